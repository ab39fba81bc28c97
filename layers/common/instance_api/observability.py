"""Powertools observability objects, created once per container and shared by the layer."""

from __future__ import annotations

from aws_lambda_powertools import Logger

# Service name and level come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_LOG_LEVEL (template.yaml).
logger = Logger()
