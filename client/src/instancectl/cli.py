"""The `instancectl` command: get, list, create, apply, diff, delete, wait, agent.

Results go to standard output (JSON when it is not a terminal, a table when it is, or
`-o json|yaml|table|name`); errors and retry notices go to standard error, each error with
the API's `reason` and `requestId`. The exit status says what happened (EXIT_CODES).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from instancectl.agent import Agent, StateFile, default_state_directory, run_agent
from instancectl.apply import (
    MANAGED_FIELDS,
    Action,
    ApplyResult,
    Mode,
    apply,
    prune,
    prune_candidates,
    stored_version,
)
from instancectl.client import InstanceClient, Page
from instancectl.documents import Document, read_documents, source_files
from instancectl.durations import parse_duration, spoken
from instancectl.errors import ApiError, ConnectionFailed, DocumentError, InstanceCtlError, Superseded
from instancectl.names import checked_host_id
from instancectl.output import (
    DIFF_FORMATS,
    FORMATS,
    View,
    apply_view,
    created_view,
    deleted_view,
    diff_text,
    instance_view,
    page_view,
    render,
    waited_view,
)
from instancectl.retry import RETRYABLE_STATUSES, RetryPolicy
from instancectl.version import __version__
from instancectl.wait import Outcome, Target, Waited, wait_ready

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_CONFLICT, EXIT_UNAVAILABLE, EXIT_DIFF_ERROR = range(7)
EXIT_TIMEOUT = 7
# `diff` follows kubectl diff: 1 says "something differs", so an error other commands exit 1 for is 6 there.
EXIT_DIFFERS = 1
EXIT_CODES = {
    EXIT_OK: "success (diff: nothing differs; wait: Ready)",
    EXIT_ERROR: "error: a bad request or document, no credentials, 403, 500 (the message says which); "
    "diff: something differs; wait: Failed; agent --once: a hook failed",
    EXIT_USAGE: "usage: an unknown command or option, a missing argument or file, --prune without -n and -l",
    EXIT_NOT_FOUND: "not found (404)",
    EXIT_CONFLICT: "conflict (409): name taken, or the version moved on (apply: after its re-reads; "
    "apply --wait: another writer changed what it wrote)",
    EXIT_UNAVAILABLE: "throttled or unavailable (429, 502, 503, 504, no connection) after retries",
    EXIT_DIFF_ERROR: "diff only: an error that the other commands exit 1 for",
    EXIT_TIMEOUT: "wait, apply --wait: the timeout passed before the phase was Ready or Failed",
}
# `agent --once` stopped by a signal before its pass was done: 128 + the signal's number, as a shell says it.
_SIGNALLED = 128
# `apply -f DIR` shows a progress bar on a terminal's stderr from this many files on.
PROGRESS_MIN_FILES = 10
_Result = TypeVar("_Result")  # PEP 695 generics are 3.12+; the client runs on 3.10
# "\b" keeps click from rewrapping the lines of the paragraph that follows it.
_EPILOG = "Exit status:\n\n\b\n" + "\n".join(f"{code}  {meaning}" for code, meaning in EXIT_CODES.items())


def exit_code(error: InstanceCtlError) -> int:
    if isinstance(error, ConnectionFailed):
        return EXIT_UNAVAILABLE
    if isinstance(error, Superseded):
        return EXIT_CONFLICT
    if isinstance(error, ApiError):
        if error.status == 404:
            return EXIT_NOT_FOUND
        if error.status == 409:
            return EXIT_CONFLICT
        if error.status in RETRYABLE_STATUSES:
            return EXIT_UNAVAILABLE
    return EXIT_ERROR


def describe(error: InstanceCtlError, prefix: str = "") -> str:
    """One line (plus one per invalid field) for stderr: the reason, the message, the requestId;
    one line per problem of documents."""
    if isinstance(error, DocumentError):
        return "\n".join(f"error: {prefix}{problem}" for problem in error.problems)
    text = f"error: {prefix}{error}"
    if isinstance(error, ApiError):
        if error.request_id:
            text += f" (requestId {error.request_id})"
        text += "".join(f"\n  {detail.get('field')}: {detail.get('message')}" for detail in error.details)
    return text


class _StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (click's test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"instancectl: {self.format(record)}", err=True)


class _Commands(click.Group):
    """Turns the package's errors into a message on stderr and an exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InstanceCtlError as error:
            click.echo(describe(error), err=True)
            ctx.exit(exit_code(error))


@dataclass(frozen=True)
class Connection:
    endpoint: str | None
    stack_name: str | None
    region: str | None
    sign: bool | None
    max_attempts: int
    retry_time: float

    def client(self) -> InstanceClient:
        policy = RetryPolicy(max_attempts=self.max_attempts, max_elapsed=self.retry_time)
        return InstanceClient.from_environment(
            endpoint=self.endpoint, stack_name=self.stack_name, region=self.region, sign=self.sign, retry=policy
        )


_CONNECTION_OPTIONS = (
    click.option(
        "--endpoint", metavar="URL", help="the API's base URL [env INSTANCE_API_URL; default http://127.0.0.1:3000]"
    ),
    click.option("--stack-name", metavar="NAME", help="read the base URL from this stack's ApiBaseUrl output"),
    click.option("--region", help="AWS region to sign for and read the stack in [default: from the URL or AWS_REGION]"),
    click.option(
        "--sign/--no-sign",
        default=None,
        help="SigV4-sign requests with the AWS credential chain [default: sign, except on loopback]",
    ),
    click.option(
        "--max-attempts", type=click.IntRange(1, 20), default=5, show_default=True, help="attempts per request"
    ),
    click.option(
        "--retry-time", type=click.FloatRange(0, 900), default=60.0, show_default=True, help="seconds to keep retrying"
    ),
)
_DEFAULT_FORM = "table on a terminal, else json"


def _with_connection(
    formats: Sequence[str] = FORMATS, default: str = _DEFAULT_FORM
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Adds the connection options and `-o` (one of `formats`; none if empty) to a command; it
    receives `connection` and `output`."""
    output_option = (
        click.option("-o", "--output", type=click.Choice(formats), help=f"output format [default: {default}]")
        if formats
        else None
    )

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def run(
            *,
            endpoint: str | None,
            stack_name: str | None,
            region: str | None,
            sign: bool | None,
            max_attempts: int,
            retry_time: float,
            **arguments: Any,
        ) -> None:
            if endpoint is not None and stack_name is not None:
                raise click.UsageError("give --endpoint or --stack-name, not both")
            command(connection=Connection(endpoint, stack_name, region, sign, max_attempts, retry_time), **arguments)

        for option in reversed((*_CONNECTION_OPTIONS, *([output_option] if output_option else []))):
            run = option(run)
        return run

    return decorate


_namespace_option = click.option(
    "-n", "--namespace", help="use the namespace's own path /api/v1/namespaces/NS/instance"
)
_file_option = click.option(
    "-f",
    "--filename",
    required=True,
    type=click.Path(exists=True, allow_dash=True),
    help="a YAML/JSON file, a directory of them, or - for stdin",
)


def _emit(view: View, output: str | None) -> None:
    terminal = sys.stdout.isatty()
    text = render(view, output or ("table" if terminal else "json"), terminal)
    if text:
        click.echo(text)


@click.group(cls=_Commands, epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="instancectl")
def main() -> None:
    """Instance API client for pipelines: SigV4 from the AWS credential chain, safe retries, apply.

    The endpoint is --endpoint, --stack-name, INSTANCE_API_URL, or http://127.0.0.1:3000 (make run).
    Credentials come only from the AWS chain (environment, profiles, SSO, web identity, roles).
    """
    logger = logging.getLogger("instancectl")
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        logger.addHandler(_StderrHandler())
        logger.propagate = False
    logger.setLevel(logging.INFO)  # the agent's actions and a wait's progress are news, one line each


@main.command()
@click.argument("name")
@_namespace_option
@_with_connection()
def get(name: str, namespace: str | None, connection: Connection, output: str | None) -> None:
    """Show one instance."""
    with connection.client() as client:
        _emit(instance_view(client.get(name, namespace=namespace)), output)


_selector_option = click.option(
    "-l", "--selector", metavar="SELECTOR", help="only instances whose labels match SELECTOR (app=web,env in (a,b),!x)"
)


@main.command("list")
@_namespace_option
@click.option("--host", metavar="HOST", help="only instances whose hostIDs contain HOST")
@_selector_option
@click.option("--all", "every_page", is_flag=True, help="follow nextToken to the last page")
@click.option("--limit", type=int, help="page size (1-500; the API's default is 100)")
@click.option("--next-token", metavar="TOKEN", help="continue a listing from its nextToken")
@_with_connection()
def list_instances(
    namespace: str | None,
    host: str | None,
    selector: str | None,
    every_page: bool,
    limit: int | None,
    next_token: str | None,
    connection: Connection,
    output: str | None,
) -> None:
    """List instances: one page, or every page with --all. With --selector a page may hold fewer
    than --limit instances, even none, and still go on."""
    with connection.client() as client:
        if every_page:
            items = list(
                client.list_all(namespace=namespace, host=host, limit=limit, next_token=next_token, selector=selector)
            )
            page = Page(items, None)
        else:
            page = client.list(namespace=namespace, host=host, limit=limit, next_token=next_token, selector=selector)
    _emit(page_view(page), output)
    if page.next_token is not None and sys.stderr.isatty():
        click.echo(f"more: --next-token {page.next_token} (or --all)", err=True)


@main.command()
@_file_option
@_namespace_option
@_with_connection()
def create(filename: str, namespace: str | None, connection: Connection, output: str | None) -> None:
    """Create the instances of -f (each with its own Idempotency-Key, reused on its retries)."""
    documents = _documents(filename, namespace)
    with connection.client() as client:
        created, code = _each(documents, lambda document: client.create(document.body))
    if created:
        _emit(created_view(created), output)
    _exit(code)


_prune_option = click.option(
    "--prune",
    is_flag=True,
    help="also delete the instances of --namespace that --selector matches and no document names",
)


def _prune_scope(namespace: str | None, pruning: bool, selector: str | None) -> tuple[str, str] | None:
    """The namespace and selector a prune is confined to; a usage error (exit 2) unless both are given."""
    if not pruning:
        if selector is not None:
            raise click.UsageError("--selector goes with --prune (it chooses what prune may delete)")
        return None
    if namespace is None or selector is None or not selector.strip():
        raise click.UsageError("--prune needs --namespace and --selector: it deletes only what both choose")
    return namespace, selector


def _duration(least: float = 0.0) -> Callable[[click.Context, click.Parameter, str | None], float | None]:
    """An option's callback reading 30s, 5m, 1h, 1m30s (parse_duration) as seconds, at least `least`.
    (A callback, not a click.ParamType: that class is generic from click 8.2 on, and not before.)"""

    def seconds(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
        if value is None:
            return None
        try:
            found = parse_duration(value)
        except ValueError as error:
            raise click.BadParameter(str(error), ctx, param) from None
        if found < least:
            raise click.BadParameter(f"{value!r} is shorter than {spoken(least)}", ctx, param)
        return found

    return seconds


_DEFAULT_WAIT = "5m"


@main.command("apply")
@_file_option
@_namespace_option
@click.option("--dry-run", is_flag=True, help="have the API check every write (?dryRun=true); write nothing")
@_prune_option
@_selector_option
@click.option("--wait", "then_wait", is_flag=True, help="then wait until each instance applied is Ready (see wait)")
@click.option(
    "--timeout",
    metavar="DURATION",
    callback=_duration(),
    help=f"with --wait: how long to wait (30s, 5m, 1h) [default: {_DEFAULT_WAIT}]",
)
@_with_connection()
def apply_documents(
    filename: str,
    namespace: str | None,
    dry_run: bool,
    prune: bool,
    selector: str | None,
    then_wait: bool,
    timeout: float | None,
    connection: Connection,
    output: str | None,
) -> None:
    """Make the API hold what -f says: create what is missing, update what differs, leave the
    rest; with --prune, delete what --namespace holds under --selector that -f does not name;
    with --wait, then wait until every instance applied runs its new version on every host."""
    scope = _prune_scope(namespace, prune, selector)
    if then_wait and dry_run:
        raise click.UsageError("--wait waits for what apply wrote: a dry run writes nothing")
    if timeout is not None and not then_wait:
        raise click.UsageError("--timeout goes with --wait")
    mode = Mode.DRY_RUN if dry_run else Mode.WRITE
    documents = _documents(filename, namespace)
    with connection.client() as client:
        results, code = _each(
            documents, lambda document: apply(client, document, mode=mode), _progress_wanted(filename)
        )
        if scope is not None:
            pruned, code = _prune(client, scope, documents, mode, code)
            results += pruned
        if then_wait:
            results, code = _wait_applied(client, documents, results, code, timeout)
    _emit(apply_view(results), output)
    _exit(code)


def _wait_applied(
    client: InstanceClient,
    documents: Sequence[Document],
    results: list[ApplyResult],
    code: int,
    timeout: float | None,
) -> tuple[list[ApplyResult], int]:
    """`apply --wait`: waits for each document's instance at the version apply left it at (an
    older one does not count; a newer one does while it holds what the document says), and
    gives each result the status it ended with. Only when every document was applied."""
    if code != EXIT_OK:
        click.echo("instancectl: not waiting: not every document was applied", err=True)
        return results, code
    seconds = parse_duration(_DEFAULT_WAIT) if timeout is None else timeout
    try:
        targets = [
            Target(
                result.name,
                document.namespace,
                version=stored_version(result.instance, result.name, "waiting for"),
                holds={field: document.body[field] for field in MANAGED_FIELDS if field in document.body},
            )
            # Each document has its result, in order (every one was applied); pruned ones come after: not waited for.
            for document, result in zip(documents, results[: len(documents)], strict=True)
        ]
        waited = wait_ready(client, targets, timeout=seconds)
    except InstanceCtlError as error:
        click.echo(describe(error, "wait: "), err=True)
        return results, exit_code(error)
    statuses = [
        dataclasses.replace(result, status=done.status or None)
        for result, done in zip(results[: len(waited)], waited, strict=True)
    ]
    return statuses + results[len(waited) :], _say_waited(waited, seconds)


@main.command("wait")
@click.argument("name")
@click.option(
    "--for", "condition", required=True, type=click.Choice(["ready"]), help="ready: the phase is Ready on every host"
)
@click.option(
    "--timeout",
    metavar="DURATION",
    callback=_duration(),
    default=_DEFAULT_WAIT,
    show_default=True,
    help="how long to wait: 30s, 5m, 1h, 1m30s",
)
@_namespace_option
@_with_connection()
def wait(
    name: str, condition: str, timeout: float, namespace: str | None, connection: Connection, output: str | None
) -> None:
    """Wait until NAME's phase is Ready (exit 0) or Failed (exit 1, naming each failing host and
    its message), or the timeout passes (exit 7). Prints the instance as last read, with its
    status. An instance that does not exist is exit 3 at once: there is nothing to wait for."""
    with connection.client() as client:
        (waited,) = wait_ready(client, [Target(name, namespace)], timeout=timeout)
    _emit(waited_view(waited), output)
    _exit(_say_waited([waited], timeout))


def _say_waited(waited: Sequence[Waited], timeout: float) -> int:
    """An `error:` line for each failing host and each instance not settled in time; the status
    of the first instance that did not end Ready."""
    code = EXIT_OK
    for done in waited:
        version = (done.instance or {}).get("version")
        if done.outcome is Outcome.FAILED:
            failing = done.failing_hosts() or [("?", "the API says Failed, and no host reports Failed at it")]
            for host, message in failing:
                click.echo(f"error: {done.target.name}: version {version} Failed on {host}: {message}", err=True)
            code = code or EXIT_ERROR
        elif done.outcome is Outcome.TIMED_OUT:
            click.echo(f"error: {done.target.name}: not Ready after {spoken(timeout)}: {done.summary()}", err=True)
            code = code or EXIT_TIMEOUT
    return code


@main.command("diff")
@_file_option
@_namespace_option
@_prune_option
@_selector_option
@_with_connection(DIFF_FORMATS, "diff, a unified diff per instance that would change")
def diff_documents(
    filename: str,
    namespace: str | None,
    prune: bool,
    selector: str | None,
    connection: Connection,
    output: str | None,
) -> None:
    """Show what apply -f would change (with --prune, what it would delete too), and write
    nothing: exit 0 when nothing differs, 1 when something does, 2 or more on an error (6 for
    what other commands exit 1 for). Only reads are sent: a role that may only read can diff."""
    scope = _prune_scope(namespace, prune, selector)
    results: list[ApplyResult] = []
    try:
        documents = _documents(filename, namespace)
        with connection.client() as client:
            results, code = _each(documents, lambda document: apply(client, document, mode=Mode.PLAN))
            if scope is not None:
                pruned, code = _prune(client, scope, documents, Mode.PLAN, code)
                results += pruned
    except InstanceCtlError as error:
        click.echo(describe(error), err=True)
        code = exit_code(error)
    if (output or "diff") == "diff":
        text = diff_text(results)
        if text:
            click.echo(text)
    elif results:
        _emit(apply_view(results), output)
    _exit(_diff_status(code, results))


def _diff_status(code: int, results: Sequence[ApplyResult]) -> int:
    """kubectl diff's statuses: 0 the same, 1 different, above 1 an error."""
    if code != EXIT_OK:
        return EXIT_DIFF_ERROR if code == EXIT_ERROR else code
    return EXIT_DIFFERS if any(result.action is not Action.UNCHANGED for result in results) else EXIT_OK


@main.command()
@click.argument("name")
@click.option("--version", "version", type=int, help="delete only if the instance is at this version (else 409)")
@click.option("--ignore-not-found", is_flag=True, help="exit 0 when there is no such instance")
@_namespace_option
@_with_connection()
def delete(
    name: str,
    version: int | None,
    ignore_not_found: bool,
    namespace: str | None,
    connection: Connection,
    output: str | None,
) -> None:
    """Delete one instance."""
    with connection.client() as client:
        try:
            deleted = client.delete(name, version=version, namespace=namespace)
        except ApiError as error:
            if ignore_not_found and error.status == 404 and error.reason == "NotFound":
                return
            raise
    _emit(deleted_view(deleted), output)


def _documents(filename: str, namespace: str | None) -> list[Document]:
    """The documents of -f, each placed in --namespace when given (a different one is an error)."""
    documents = read_documents(filename, sys.stdin)
    if namespace is None:
        return documents
    elsewhere = [
        f"{document.source}: namespace {document.namespace!r} is not --namespace {namespace!r}"
        for document in documents
        if document.namespace not in (None, namespace)
    ]
    if elsewhere:
        raise DocumentError(*elsewhere)
    return [Document(document.source, {**document.body, "namespace": namespace}) for document in documents]


def _each(
    documents: Sequence[Document], action: Callable[[Document], _Result], progress: bool = False
) -> tuple[list[_Result], int]:
    """Runs `action` on every document, reporting each failure; the exit status is the first failure's."""
    results: list[_Result] = []
    code = EXIT_OK
    with _progress(documents, progress) as items:
        for document in items:
            try:
                results.append(action(document))
            except InstanceCtlError as error:
                click.echo(describe(error, f"{document.source} ({document.name or 'no name'}): "), err=True)
                code = code or exit_code(error)
    return results, code


def _prune(
    client: InstanceClient, scope: tuple[str, str], documents: Sequence[Document], mode: Mode, code: int
) -> tuple[list[ApplyResult], int]:
    """Prune after the documents, and only when each of them was applied (`code` is theirs):
    every candidate is listed before the first delete; each delete's failure is reported, and
    the exit status is the first failure's."""
    if code != EXIT_OK:
        click.echo("instancectl: not pruning: not every document was applied", err=True)
        return [], code
    namespace, selector = scope
    try:
        candidates = prune_candidates(client, namespace, selector, documents)
    except InstanceCtlError as error:
        click.echo(describe(error, "prune: "), err=True)
        return [], exit_code(error)
    results: list[ApplyResult] = []
    for instance in candidates:
        try:
            results.append(prune(client, instance, namespace, mode=mode))
        except InstanceCtlError as error:
            click.echo(describe(error, f"prune {instance.get('name')}: "), err=True)
            code = code or exit_code(error)
    return results, code


def _progress_wanted(filename: str) -> bool:
    if not Path(filename).is_dir() or not sys.stderr.isatty():
        return False
    return len(source_files(filename)) >= PROGRESS_MIN_FILES


def _progress(documents: Sequence[Document], shown: bool) -> AbstractContextManager[Iterable[Document]]:
    """click's progress bar on stderr, or the documents as they are."""
    if shown:
        return click.progressbar(documents, label="applying", file=sys.stderr, show_pos=True)
    return nullcontext(documents)


def _exit(code: int) -> None:
    if code != EXIT_OK:
        click.get_current_context().exit(code)


@main.command()
@click.option("--host", required=True, metavar="HOST", help="the host this agent acts for (its ID in hostIDs)")
@click.option("--exec", "hook", required=True, metavar="HOOK", help="the command line run for each change, by sh -c")
@click.option(
    "--interval", metavar="DURATION", callback=_duration(1), default="5s", show_default=True, help="between passes"
)
@click.option("--once", is_flag=True, help="one pass, then exit (0: every hook succeeded and every report landed)")
@click.option(
    "--hook-timeout",
    metavar="DURATION",
    callback=_duration(1),
    default="5m",
    show_default=True,
    help="stop a hook that runs longer (reported Failed)",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="where the agent keeps its state [default: $STATE_DIRECTORY, else $XDG_STATE_HOME/instancectl, "
    "else ~/.local/state/instancectl]",
)
@_with_connection(formats=())
def agent(
    host: str,
    hook: str,
    interval: float,
    once: bool,
    hook_timeout: float,
    state_dir: Path | None,
    connection: Connection,
) -> None:
    """Run HOOK for what the API says host HOST should run, and report what it ran.

    Each pass reads the host's view (If-None-Match: a 304 runs nothing); for each instance
    whose current version HOST has not reported Running, it reports Pending, runs HOOK with
    INSTANCE_ACTION=apply and the instance's JSON on stdin, and reports Running (exit 0) or
    Failed (the last line of HOOK's stderr); for each instance that left the host since the
    last view, it runs HOOK with INSTANCE_ACTION=stop. SIGTERM or SIGINT: the current hook
    finishes, the state is saved, and the agent exits (0; with --once and a pass cut short,
    128 + the signal's number).
    """
    checked_host_id(host)  # before anything is read, written or asked
    if not hook.strip():
        raise click.UsageError("--exec needs a command line")
    state_file = StateFile(state_dir or default_state_directory(), host)
    with state_file.locked(), _stop_signals() as stop, connection.client() as client:
        done = run_agent(
            Agent(client, host, hook, hook_timeout, stopping=stop.requested.is_set),
            state_file,
            once=once,
            interval=interval,
            pause=stop.requested.wait,
        )
    if stop.signal is not None:
        logging.getLogger("instancectl").info("%s: stopped by %s", host, signal.Signals(stop.signal).name)
    if once and done.interrupted and stop.signal is not None:
        _exit(_SIGNALLED + stop.signal)
    if once and done.failures:
        _exit(exit_code(done.failures[0]))


@dataclass
class _Stop:
    """A stop asked for by a signal: `requested` is set, `signal` says which."""

    requested: threading.Event
    signal: int | None = None


@contextmanager
def _stop_signals() -> Iterator[_Stop]:
    """SIGTERM and SIGINT ask the agent to stop (after the hook it runs) instead of killing it."""
    stop = _Stop(threading.Event())

    def asked(number: int, frame: FrameType | None) -> None:
        stop.signal = number
        stop.requested.set()

    previous = {number: signal.signal(number, asked) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
