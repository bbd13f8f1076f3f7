"""`atlas simulate`: realistic traffic that the ingest API accepts, with outages that show."""

from datetime import UTC, datetime

from atlas.simulate import PAYMENTS_OUTAGE, Simulator
from domain.telemetry.envelope import parse_envelope

NOW = datetime.now(UTC)


def test_every_simulated_item_is_valid_ingest_input():
    envelope = Simulator(rate=300, seed=7).second(NOW, elapsed=5)

    batch = parse_envelope(envelope)

    assert batch.rejected == []
    assert batch.accepted_count >= 200
    assert {"web", "checkout", "payments", "orders-db"} <= {s.service for _, s in batch.items["spans"]}


def test_a_payments_outage_shows_in_spans_logs_and_events():
    quiet = Simulator(rate=600, seed=3).second(NOW, elapsed=5)
    outage = Simulator(rate=600, seed=3).second(NOW, elapsed=PAYMENTS_OUTAGE[0] + 5)

    def failed_payments(envelope):
        return [s for s in envelope["spans"] if s["service"] == "payments" and s["status"] == "error"]

    assert failed_payments(quiet) == [] and failed_payments(outage)
    assert any(log["severity"] == "ERROR" for log in outage["logs"])
    assert [e["title"] for e in outage["events"] if e["severity"] == "critical"] == ["Checkout success rate below 95%"]
