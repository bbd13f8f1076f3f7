"""A local HTTP server answering like Razorpay's API with recorded responses (the docs' shapes)."""

import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CREATED = {
    "id": "sub_00000000000001", "entity": "subscription", "plan_id": "plan_pro_rzp", "status": "created",
    "current_start": None, "current_end": None, "ended_at": None, "quantity": 1,
    "notes": {}, "charge_at": 1_764_950_000, "start_at": 1_764_950_000, "end_at": 2_080_000_000,
    "auth_attempts": 0, "total_count": 120, "paid_count": 0, "customer_notify": True,
    "created_at": 1_764_900_000, "expire_by": None, "short_url": "https://rzp.io/i/z3b1R61A9",
    "has_scheduled_changes": False, "change_scheduled_at": None, "source": "api", "remaining_count": 120,
}
INVOICES = {"entity": "collection", "count": 1, "items": [{
    "id": "inv_00000000000001", "entity": "invoice", "customer_id": "cust_00000000000001",
    "order_id": "order_00000000000001", "subscription_id": "sub_00000000000001", "payment_id": "pay_00000000000001",
    "status": "paid", "issued_at": 1_764_950_000, "paid_at": 1_764_950_100, "amount": 499900, "currency": "INR",
    "type": "invoice", "billing_start": 1_764_950_000, "billing_end": 1_767_542_000, "created_at": 1_764_950_000,
}]}


class FakeRazorpay:
    """Records each request (method, path, query, form body, basic-auth user) and answers from ``routes``."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.failing: tuple[int, dict] | None = None
        self.subscription_id = ""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                auth = base64.b64decode(self.headers.get("Authorization", "Basic ").split()[-1] or b"").decode()
                fake.requests.append({"method": self.command, "path": parts.path, "query": parse_qs(parts.query),
                                      "body": self.rfile.read(length).decode(), "user": auth.split(":")[0]})
                status, body = fake.failing or fake.route(self.command, parts.path)
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PATCH = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, method: str, path: str) -> tuple[int, dict]:
        if (method, path) == ("POST", "/v1/subscriptions"):
            self.subscription_id = f"sub_{uuid.uuid4().hex[:14]}"  # Razorpay's ids are unique
            return 200, {**CREATED, "id": self.subscription_id}
        if method == "PATCH" and path.startswith("/v1/subscriptions/"):
            return 200, {**CREATED, "id": self.subscription_id, "status": "active", "plan_id": "plan_ent_rzp"}
        if method == "POST" and path.endswith("/cancel"):
            return 200, {**CREATED, "id": self.subscription_id, "status": "cancelled"}
        if (method, path) == ("GET", "/v1/invoices"):
            return 200, INVOICES
        return 404, {"error": {"code": "BAD_REQUEST_ERROR", "description": "The requested URL was not found"}}

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
