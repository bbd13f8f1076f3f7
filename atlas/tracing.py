"""Optional OpenTelemetry traces of our own requests and jobs, exported over OTLP/HTTP when
ATLAS_OTLP_ENDPOINT is set; otherwise a no-op tracer that costs next to nothing."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from atlas import __version__
from atlas.settings import Settings


class Tracing:
    """A tracer for one process (web or worker), and the provider to flush when it stops."""

    def __init__(self, settings: Settings, *, service: str) -> None:
        self.provider: TracerProvider | None = None
        if not settings.otlp_endpoint:
            self.tracer: trace.Tracer = trace.NoOpTracer()
            return
        resource = Resource.create({"service.name": service, "service.version": __version__,
                                    "deployment.environment": settings.env, "cloud.region": settings.region})
        self.provider = TracerProvider(resource=resource)
        endpoint = settings.otlp_endpoint.rstrip("/") + "/v1/traces"
        self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, timeout=5)))
        self.tracer = self.provider.get_tracer("atlasai", __version__)

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def shutdown(self) -> None:
        """Export what is buffered and stop (the process is ending)."""
        if self.provider is not None:
            self.provider.shutdown()
