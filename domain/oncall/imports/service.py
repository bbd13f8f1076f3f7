"""Import an on-call setup exported from PagerDuty, Opsgenie or Grafana OnCall, in one transaction.

A real run is idempotent: ``import_records`` remembers what each external object became, so a re-run
updates those objects instead of adding copies. A dry run does all the same work inside a savepoint and
rolls it back, so its report (what would be created, updated, invited, and every field that cannot be
mapped) is exactly what the real run would do, and nothing changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from domain import clock
from domain.audit import service as audit
from domain.errors import DomainError, ValidationFailed
from domain.members.models import Invitation, Membership, User
from domain.oncall import service as oncall
from domain.oncall.imports import grafana, opsgenie, pagerduty
from domain.oncall.imports.plan import SOURCES, ExtLayer, ExtPolicy, ExtSchedule, Plan, Unmapped
from domain.oncall.models import ImportRecord, OnCallOverride, OnCallSchedule
from domain.paging import policies
from domain.paging.models import EscalationPolicy

if TYPE_CHECKING:
    from domain.principal import Principal
    from domain.uow import Transaction

PARSERS = {"pagerduty": pagerduty.parse, "opsgenie": opsgenie.parse, "grafana-oncall": grafana.parse}
INVITED_ROLES = ["responder"]
LENGTHS = {timedelta(days=1): "daily", timedelta(days=7): "weekly"}
RECORD_BATCH = 1000


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    source: str
    dry_run: bool
    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    matched_users: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)
    invitation_tokens: dict[str, str] = field(default_factory=dict)  # email -> token (real runs only)
    unmapped: list[Unmapped] = field(default_factory=list)

    def did(self, kind: str, name: str, *, new: bool) -> None:
        (self.created if new else self.updated).setdefault(kind, []).append(name)

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "dry_run": self.dry_run, "created": self.created, "updated": self.updated,
                "matched_users": self.matched_users, "invited": self.invited,
                "invitation_tokens": self.invitation_tokens,
                "unmapped": [{"path": u.path, "reason": u.reason} for u in self.unmapped]}


class _DryRun(Exception):
    """Raised inside the savepoint of a dry run to roll it back."""


def read_plan(source: str, document: Any) -> Plan:
    """The export parsed by its source's reader; a typed error for an unknown source or a malformed file."""
    if source not in SOURCES:
        raise ValidationFailed(f"Import from one of {', '.join(SOURCES)}.", field="source")
    if not isinstance(document, dict):
        raise ValidationFailed("The export is one JSON object of API responses.", field="document")
    try:
        return PARSERS[source](document, now=clock.now())
    except DomainError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as bad:
        raise ValidationFailed(f"The {source} export is malformed: {bad!r}.", field="document") from None


async def import_setup(tx: Transaction, *, source: str, document: Any, dry_run: bool,
                       actor: Principal | None) -> ImportReport:
    """Import ``document`` (a ``source`` export) into the tenant; with ``dry_run`` change nothing."""
    plan = read_plan(source, document)
    report = ImportReport(source, dry_run, unmapped=list(plan.unmapped))
    marks = (len(tx._events), len(tx._jobs), len(tx._after_commit))
    savepoint = await tx.session.begin_nested()
    try:
        await _Importer(tx, plan, report, actor).run()
        if dry_run:
            raise _DryRun
    except BaseException as stopped:
        await savepoint.rollback()
        del tx._events[marks[0]:], tx._jobs[marks[1]:], tx._after_commit[marks[2]:]
        if not isinstance(stopped, _DryRun):
            raise
        report.invitation_tokens = {}
        return report
    await savepoint.commit()
    return report


class _Importer:
    def __init__(self, tx: Transaction, plan: Plan, report: ImportReport, actor: Principal | None) -> None:
        self.tx, self.plan, self.report, self.actor = tx, plan, report, actor
        self.users: dict[str, uuid.UUID] = {}
        self.schedules: dict[str, uuid.UUID] = {}
        self.policies: dict[str, uuid.UUID] = {}
        self.records: dict[tuple[str, str], str] = {}
        self.remembered: dict[tuple[str, str], str] = {}

    def skip(self, path: str, reason: str) -> None:
        self.report.unmapped.append(Unmapped(path, reason))

    async def run(self) -> None:
        rows = await self.tx.session.execute(select(ImportRecord.kind, ImportRecord.external_id, ImportRecord.target)
                                             .where(ImportRecord.tenant_id == self.tx.tenant_id,
                                                    ImportRecord.source == self.plan.source))
        self.records = {(kind, ext): target for kind, ext, target in rows}
        if self.plan.teams:
            self.skip("teams", f"no teams here: {len(self.plan.teams)} teams not imported (their people are)")
        await self._users()
        for schedule in self.plan.schedules:
            await self._schedule(schedule)
        for policy in self.plan.policies:
            await self._policy(policy)
        for service in self.plan.services:
            await self._service(service.external_id, service.name, service.policy)
        await self._write_records()
        await audit.record(self.tx, actor=self.actor.actor if self.actor else "atlas-cli", action="oncall.imported",
                           target_type="import", target_id=self.plan.source,
                           data={"created": {k: len(v) for k, v in self.report.created.items()},
                                 "updated": {k: len(v) for k, v in self.report.updated.items()}})

    async def _remember(self, kind: str, external_id: str, target: str) -> None:
        self.remembered[(kind, external_id)] = target

    async def _write_records(self) -> None:
        """Every import record in one statement (a re-run updates their targets)."""
        now, rows = clock.now(), list(self.remembered.items())
        for start in range(0, len(rows), RECORD_BATCH):  # under PostgreSQL's 32,767 bound parameters
            statement = insert(ImportRecord).values([
                {"id": uuid.uuid4(), "tenant_id": self.tx.tenant_id, "source": self.plan.source, "kind": kind,
                 "external_id": external_id, "target": target, "imported_at": now}
                for (kind, external_id), target in rows[start:start + RECORD_BATCH]])
            await self.tx.session.execute(statement.on_conflict_do_update(
                index_elements=["tenant_id", "source", "kind", "external_id"],
                set_={"target": statement.excluded.target, "imported_at": statement.excluded.imported_at}))

    async def _users(self) -> None:
        from domain.members.service import invite_member
        from domain.members.users import normalize_email

        members = dict((await self.tx.session.execute(select(User.email, User.id).join(
            Membership, Membership.user_id == User.id).where(Membership.tenant_id == self.tx.tenant_id))).all())
        members = {email.lower(): ident for email, ident in members.items()}
        invited = set(await self.tx.session.scalars(select(Invitation.email).where(
            Invitation.tenant_id == self.tx.tenant_id, Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None), Invitation.expires_at > clock.now())))
        for user in self.plan.users:
            try:
                email = normalize_email(user.email)
            except ValidationFailed:
                self.skip(f"users[{user.external_id}].email", f"{user.email!r} is not an email address")
                continue
            if email in members:
                self.users[user.external_id] = members[email]
                self.report.matched_users.append(email)
            elif email in invited:
                if email not in self.report.invited:
                    self.report.invited.append(email)
            elif self.actor is None or not self.actor.can("member.manage"):
                self.skip(f"users[{user.external_id}]", f"{email} is not a member, and inviting people needs the "
                          "member.manage permission: not invited")
            else:
                issued = await invite_member(self.tx, email=email, roles=INVITED_ROLES, actor=self.actor)
                self.report.invited.append(email)
                self.report.invitation_tokens[email] = str(issued.credential)
                invited.add(email)

    def _person(self, external_id: str, where: str) -> uuid.UUID | None:
        found = self.users.get(external_id)
        if found is None:
            self.skip(where, f"user {external_id} is not a member yet (invited, or not in the export): left out; "
                      "re-run the import once they have joined")
        return found

    def _layer(self, layer: ExtLayer, where: str) -> dict[str, Any] | None:
        people = [str(p) for p in (self._person(u, f"{where}.participants") for u in layer.participants) if p]
        if not people:
            self.skip(where, "nobody in this layer is a member yet: layer left out")
            return None
        rotation = LENGTHS.get(layer.length, "custom")
        return {"rotation": rotation, "start": layer.start.isoformat(timespec="minutes"),
                "length_hours": layer.length.total_seconds() / 3600 if rotation == "custom" else None,
                "participants": people,
                "restrictions": [{"days": list(w.days), "start": _hhmm(w.start), "end": _hhmm(w.end)}
                                 for w in layer.restrictions]}

    async def _schedule(self, schedule: ExtSchedule) -> None:
        where = f"schedules[{schedule.external_id}]"
        layers = [made for i, layer in enumerate(schedule.layers)
                  if (made := self._layer(layer, f"{where}.layers[{i}]"))]
        if len(layers) > oncall.MAX_LAYERS:
            self.skip(f"{where}.layers", f"{len(layers)} layers: the {oncall.MAX_LAYERS} highest are kept")
            layers = layers[-oncall.MAX_LAYERS:]
        if not layers:
            self.skip(where, "no layer could be imported: schedule left out")
            return
        known = self.records.get(("schedule", schedule.external_id))
        existing = known and await self.tx.session.get(OnCallSchedule, uuid.UUID(known))
        name = await self._free_name(OnCallSchedule, schedule.name, schedule.external_id, existing)
        if existing:
            saved = await oncall.update_schedule(self.tx, schedule_id=existing.id, name=name,
                                                 time_zone=schedule.time_zone, layers=layers)
        else:
            saved = await oncall.create_schedule(self.tx, name=name, time_zone=schedule.time_zone, layers=layers)
        self.report.did("schedules", name, new=not existing)
        self.schedules[schedule.external_id] = saved.id
        await self._remember("schedule", schedule.external_id, str(saved.id))
        for override in schedule.overrides:
            await self._override(saved.id, override, where)

    async def _free_name(self, model, name: str, external_id: str, existing) -> str:
        """``name``, or (when another object of ours has it) the name with its source and id."""
        taken = await self.tx.session.scalar(select(model.id).where(model.tenant_id == self.tx.tenant_id,
                                                                    model.name == name))
        if taken is None or (existing and taken == existing.id):
            return name
        return f"{name} ({self.plan.source} {external_id})"[:200]

    async def _override(self, schedule_id: uuid.UUID, override, where: str) -> None:
        if override.ends_at <= clock.now():
            return  # history: who covered in the past changes nobody's pages
        user = self._person(override.user, f"{where}.overrides[{override.external_id}]")
        if user is None:
            return
        known = self.records.get(("override", override.external_id))
        existing = known and await self.tx.session.get(OnCallOverride, uuid.UUID(known))
        if existing:
            existing.user_id, existing.starts_at, existing.ends_at = user, override.starts_at, override.ends_at
            existing.schedule_id = schedule_id
        else:
            existing = await oncall.add_override(self.tx, schedule_id=schedule_id, user_id=user,
                                                 starts_at=override.starts_at, ends_at=override.ends_at)
        self.report.did("overrides", override.external_id, new=not known)
        await self._remember("override", override.external_id, str(existing.id))

    def _level(self, level, where: str) -> dict[str, Any] | None:
        targets = []
        for kind, ext in level.targets:
            ours = self.users.get(ext) if kind == "user" else self.schedules.get(ext)
            if ours is None:
                self.skip(where, f"{kind} {ext} was not imported: left out of the level")
            else:
                targets.append({"kind": kind, "id": str(ours)})
        if not targets:
            return None
        timeout = min(max(level.timeout_seconds, policies.TIMEOUT_RANGE[0]), policies.TIMEOUT_RANGE[1])
        if timeout != level.timeout_seconds:
            self.skip(where, f"waits {level.timeout_seconds} s: ours wait 1 s to 24 h ({timeout} s kept)")
        return {"timeout_seconds": timeout, "targets": targets}

    async def _policy(self, policy: ExtPolicy) -> None:
        where = f"escalation_policies[{policy.external_id}]"
        levels = [made for i, level in enumerate(policy.levels) if (made := self._level(level, f"{where}.levels[{i}]"))]
        if len(levels) > policies.MAX_LEVELS:
            self.skip(f"{where}.levels", f"{len(levels)} levels: the first {policies.MAX_LEVELS} are kept")
            levels = levels[:policies.MAX_LEVELS]
        if not levels:
            self.skip(where, "no level could be imported: policy left out")
            return
        known = self.records.get(("policy", policy.external_id))
        existing = known and await self.tx.session.get(EscalationPolicy, uuid.UUID(known))
        name = await self._free_name(EscalationPolicy, policy.name, policy.external_id, existing)
        if existing:
            saved = await policies.update_policy(self.tx, policy_id=existing.id, name=name, levels=levels,
                                                 repeat=policy.repeat)
        else:
            saved = await policies.create_policy(self.tx, name=name, levels=levels, repeat=policy.repeat)
        self.report.did("escalation_policies", name, new=not existing)
        self.policies[policy.external_id] = saved.id
        await self._remember("policy", policy.external_id, str(saved.id))

    async def _service(self, external_id: str, name: str, policy: str | None) -> None:
        ours = self.policies.get(policy) if policy else None
        if ours is None:
            self.skip(f"services[{external_id}]", "its escalation policy was not imported: no policy set")
            return
        service = name.strip()[:200]
        await policies.set_service_policy(self.tx, service=service, policy_id=ours)
        self.report.did("services", service, new=("service", external_id) not in self.records)
        await self._remember("service", external_id, service)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"

