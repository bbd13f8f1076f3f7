"""Retrieval quality: recall@5 of hybrid search vs vector-only vs full-text-only, for each embedder.

The corpus is made for the bench: 200 IT-ops runbook passages (20 components x 10 failure modes, each with
its symptoms, cause and fix) and 400 questions labelled with the one passage that answers them, asked the
way people ask (symptoms in other words, short names such as "pg" or "k8s", error strings). Every method
runs the product's own SQL (domain/knowledge/search.py) in one tenant; embeddings go through the gateway.
Goal: hybrid with the default (local) embedder beats both single methods (ours = hybrid recall@5,
peer = the better single method, ratio > 1).
"""

from __future__ import annotations

import asyncio
import random
import uuid

from harness import live_servers, report

from atlas.db import Database
from domain.ai.gateway import Gateway
from domain.ai.providers.local import LocalProvider
from domain.knowledge.models import KnowledgeChunk
from domain.knowledge.search import fuse, text_hits, vector_hits

COMPONENTS = {  # name: (aliases people type, a detail only its runbooks mention)
    "PostgreSQL": (["pg", "postgres"], "check pg_stat_activity and the WAL directory"),
    "Redis": (["redis cache"], "inspect INFO memory and the maxmemory policy"),
    "Kafka": (["kafka broker"], "look at consumer group lag and ISR shrink events"),
    "Nginx": (["nginx proxy", "reverse proxy"], "review the upstream blocks and worker_connections"),
    "Kubernetes": (["k8s", "kube"], "run kubectl describe pod and read the events"),
    "Elasticsearch": (["ES", "elastic"], "query _cluster/health and the shard allocation explain API"),
    "RabbitMQ": (["rabbit", "amqp broker"], "check queue depth and the memory high watermark"),
    "MySQL": (["mysqld", "mariadb"], "read SHOW ENGINE INNODB STATUS"),
    "MongoDB": (["mongo", "mongod"], "inspect rs.status() and the oplog window"),
    "HAProxy": (["haproxy lb", "load balancer"], "open the stats page and backend health checks"),
    "Vault": (["hashicorp vault", "secrets store"], "check the seal status and the audit device"),
    "Consul": (["consul agent", "service discovery"], "run consul members and check raft peers"),
    "Jenkins": (["ci server", "build server"], "look at the executor queue and agent logs"),
    "Prometheus": (["prom", "metrics server"], "check TSDB head series and scrape durations"),
    "Grafana": (["dashboards", "grafana ui"], "check the datasource proxy and plugin logs"),
    "Memcached": (["memcache"], "read stats slabs and evictions"),
    "Cassandra": (["cassandra ring", "cql"], "run nodetool status and check compaction"),
    "ZooKeeper": (["zk", "zookeeper ensemble"], "check the four-letter mntr output"),
    "etcd": (["etcd cluster"], "check etcdctl endpoint status and db size"),
    "CoreDNS": (["dns", "name resolution"], "check the Corefile and upstream resolvers"),
}
FAILURES = {  # mode: (passage template, ways people describe it)
    "disk full": ("{c} ran out of disk space: the data volume reached 100% and writes failed. Cause: logs and "
                  "old segments were never rotated. Fix: free space, enable retention and rotation, {d}.",
                  ["no space left on device", "volume is at 100 percent", "storage exhausted", "disk filled up"]),
    "memory": ("{c} was killed by the OOM killer after memory grew without bound. Cause: a memory leak and no "
               "limits. Fix: set memory limits, restart the leaking process, {d}.",
               ["out of memory", "OOMKilled", "keeps using more RAM", "memory leak"]),
    "certificate": ("TLS handshakes to {c} failed because the certificate expired. Cause: renewal was manual. "
                    "Fix: renew the certificate, automate renewal, {d}.",
                    ["x509 certificate has expired", "SSL error", "cert expired", "handshake failure"]),
    "connections": ("{c} refused new clients: the connection pool was exhausted. Cause: clients leaked "
                    "connections. Fix: raise the limit, add pooling and timeouts, {d}.",
                    ["too many connections", "connection refused", "pool exhausted", "cannot connect"]),
    "latency": ("Requests to {c} became slow: p99 latency rose tenfold. Cause: a hot key and slow queries. "
                "Fix: add an index or cache, spread the load, {d}.",
                ["very slow responses", "timeouts", "high response time", "p99 went up"]),
    "replication": ("{c} replicas fell behind the primary: replication lag grew to minutes. Cause: a long "
                    "transaction and saturated network. Fix: throttle writes, resync the replica, {d}.",
                    ["replica is behind", "stale reads", "lag keeps growing", "follower out of sync"]),
    "crashloop": ("{c} restarted over and over in a crash loop after a bad configuration change. Cause: an "
                  "invalid setting. Fix: roll back the config, validate before deploy, {d}.",
                  ["keeps restarting", "CrashLoopBackOff", "dies right after start", "restart loop"]),
    "cpu": ("{c} pinned the CPU at 100%: saturation starved every request. Cause: a runaway query and too few "
            "cores. Fix: kill the runaway work, scale out, {d}.",
            ["CPU at 100", "load average very high", "processor saturated", "everything is pegged"]),
    "partition": ("{c} nodes lost contact in a network partition and split into two groups. Cause: a switch "
                  "failure. Fix: restore the network, reconcile membership, {d}.",
                  ["split brain", "nodes cannot see each other", "network partition", "lost quorum"]),
    "auth": ("Clients could not log in to {c}: authentication failed after a credential rotation. Cause: stale "
             "secrets. Fix: redeploy the new credentials, {d}.",
             ["permission denied", "login failed", "401 unauthorized", "invalid password"]),
}
ASKS = ["{s} on {a}", "why does {a} say {s}?", "{a}: {s}, what to do", "how to fix {s} in {a}"]


def corpus() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Passages (key, title, text) and questions (text, key of the passage that answers it)."""
    rng = random.Random(12)
    passages, questions = [], []
    for component, (aliases, detail) in COMPONENTS.items():
        for mode, (template, symptoms) in FAILURES.items():
            key = f"{component}/{mode}"
            passages.append((key, f"{component}: {mode}", template.format(c=component, d=detail)
                             + " Symptoms: " + "; ".join(symptoms[:2]) + "."))
            for symptom in rng.sample(symptoms, 2):
                name = rng.choice([*aliases, component])
                questions.append((rng.choice(ASKS).format(s=symptom, a=name), key))
    return passages, questions


async def load(db: Database, gateway: Gateway, tenant: uuid.UUID, passages, model: str) -> dict[uuid.UUID, str]:
    embedded = await gateway.embed(tenant_id=tenant, actor="bench", model=model,
                                   texts=[f"{title}\n{text}" for _, title, text in passages])
    keys = {}
    async with db.transaction(tenant_id=tenant) as tx:
        for (key, title, text), vector in zip(passages, embedded.vectors, strict=True):
            chunk = KnowledgeChunk(tenant_id=tenant, source="article", source_id=uuid.uuid4(), ordinal=0,
                                   title=title, content=text, link="/x", embedding=vector,
                                   embedding_model=model, dimensions=len(vector))
            tx.session.add(chunk)
            keys[chunk.source_id] = key
    return keys


async def evaluate(db: Database, gateway: Gateway, tenant: uuid.UUID, model: str, questions,
                   keys: dict[uuid.UUID, str]) -> dict[str, float]:
    hits = {"hybrid": 0, "vector": 0, "fulltext": 0}
    texts = [q for q, _ in questions]
    vectors = (await gateway.embed(tenant_id=tenant, actor="bench", model=model, texts=texts)).vectors
    for (question, answer), vector in zip(questions, vectors, strict=True):
        async with db.transaction(tenant_id=tenant) as tx:
            by_vector = await vector_hits(tx, vector=vector, model_key=model, sources=["article"], k=40)
            by_text = await text_hits(tx, query=question, sources=["article"], k=40)
        ranked = {"vector": [keys[r["source_id"]] for r in by_vector[:5]],
                  "fulltext": [keys[r["source_id"]] for r in by_text[:5]],
                  "hybrid": [keys[h.source_id] for h in fuse(by_vector, by_text, first=5)]}
        for method, top in ranked.items():
            hits[method] += answer in top
    return {method: round(count / len(questions), 4) for method, count in hits.items()}


async def measure(settings) -> dict[str, dict[str, float]]:
    from domain.tenants.service import provision_tenant

    db = Database.from_settings(settings)
    gateway = Gateway(db=db, providers={"local": LocalProvider()})
    passages, questions = corpus()
    results = {}
    try:
        for model in ("local:hash-384",):  # the optional sentence-embedding model is not installed here
            async with db.transaction(tenant_id=None) as tx:
                tenant = (await provision_tenant(tx, name="Retrieval", slug=f"ret-{uuid.uuid4().hex[:6]}",
                                                 admin_email="o@ret.example.com", admin_password="bench-password-1",
                                                 plan="enterprise")).tenant_id
            keys = await load(db, gateway, tenant, passages, model)
            results[model] = await evaluate(db, gateway, tenant, model, questions, keys)
    finally:
        await db.dispose()
    return results


def main() -> None:
    passages, questions = corpus()
    with live_servers() as settings:
        results = asyncio.run(measure(settings))
    for model, recall in results.items():
        print(f"{model}: recall@5 {recall} ({len(passages)} passages, {len(questions)} questions)")
    default = results["local:hash-384"]
    peer_name = max(("vector", "fulltext"), key=lambda m: default[m])
    report(bench="retrieval", metric="recall@5 on labelled IT-ops questions", unit="fraction",
           ours=default["hybrid"], peer=default[peer_name], better="higher",
           peer_is=f"{peer_name}-only retrieval (the better single method), same corpus and embedder",
           recall_at_5=results, questions=len(questions), passages=len(passages),
           embedders_not_measured=["sentence-transformers all-MiniLM-L6-v2 (optional extra, not installed)"])


if __name__ == "__main__":
    main()
