"""Mass Convert jobs and their state machine: SCHEDULED -> IN PROGRESS -> COMPLETED (or FAILED).

Two ways to advance, chosen by the `mass_convert_progress` setting: `time` (Zoho's way — a task on
the server's event loop converts the leads one by one after `mass_convert_step_ms`) and `poll`
(deterministic for tests — each status call moves one stage: the 2nd converts half, the 3rd the
rest). A job dropped by `reset()` stops at its next step, so a reset org stays reset. A job
scheduled under the `mass_convert_failed` fault converts its first half of leads (rounded down),
then ends FAILED — the rest stay unconverted, so a client must read every lead back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crmkit.sandbox.bodies import ConvertRequest
from crmkit.sandbox.errors import ApiError
from crmkit.sandbox.exceptions import InvalidData

# Converts one lead of a job; raises ApiError when Zoho would refuse that lead.
ConvertOne = Callable[[str, ConvertRequest], object]


@dataclass
class MassConvertJob:
    id: str
    lead_ids: list[str]
    request: ConvertRequest
    status: str = "SCHEDULED"
    converted: int = 0
    failed: int = 0
    done: int = 0
    polls: int = 0
    fail_after: int | None = None  # the job fails once this many leads are done

    @property
    def stop_at(self) -> int:
        """How many leads the job gets through."""
        total = len(self.lead_ids)
        return total if self.fail_after is None else min(self.fail_after, total)

    def finish(self) -> None:
        self.status = "COMPLETED" if self.fail_after is None else "FAILED"

    def convert_upto(self, count: int, convert: ConvertOne) -> None:
        """Convert leads until `count` of them are done; a refused lead counts as failed."""
        while self.done < count:
            try:
                convert(self.lead_ids[self.done], self.request)
                self.converted += 1
            except ApiError:
                self.failed += 1
            self.done += 1

    def status_body(self) -> dict[str, Any]:
        """The `GET …/mass_convert?job_id=` answer."""
        total = len(self.lead_ids)
        return {
            "data": [
                {
                    "Status": self.status,
                    "Total_Count": total,
                    "Converted_Count": self.converted,
                    "Not_Converted_Count": total - self.done,
                    "Failed_Count": self.failed,
                }
            ]
        }


@dataclass
class MassConvertJobs:
    """The org's jobs by id, and the tasks running them in `time` mode."""

    convert: ConvertOne
    jobs: dict[str, MassConvertJob] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def schedule(
        self,
        job_id: str,
        lead_ids: list[str],
        request: ConvertRequest,
        *,
        progress: str,
        step_ms: int,
        fail: bool = False,
    ) -> MassConvertJob:
        """Register a job; in `time` mode start it (must be called on the server's event loop).

        `fail`: the job ends FAILED after half of its leads (the `mass_convert_failed` fault).
        """
        job = MassConvertJob(id=job_id, lead_ids=lead_ids, request=request)
        if fail:
            job.fail_after = len(lead_ids) // 2
        self.jobs[job_id] = job
        if progress == "time":
            task = asyncio.get_running_loop().create_task(self._run(job, step_ms / 1000))
            self.tasks.add(task)  # keep a reference until done: the loop holds tasks weakly
            task.add_done_callback(self.tasks.discard)
        return job

    def status(self, job_id: str, *, progress: str) -> MassConvertJob:
        """The job a status call names; in `poll` mode the call moves it one stage."""
        job = self.jobs.get(job_id.strip())
        if job is None:
            raise InvalidData({"param_name": "job_id"}, "the job_id given is invalid")
        if progress == "poll":
            job.polls += 1
            if job.polls == 2 and job.status == "SCHEDULED":
                job.status = "IN PROGRESS"
                job.convert_upto(min((len(job.lead_ids) + 1) // 2, job.stop_at), self.convert)
            elif job.polls >= 3 and job.status == "IN PROGRESS":
                job.convert_upto(job.stop_at, self.convert)
                job.finish()
        return job

    async def _run(self, job: MassConvertJob, step_s: float) -> None:
        await asyncio.sleep(step_s)
        if not self._live(job):
            return
        job.status = "IN PROGRESS"
        for i in range(job.stop_at):
            await asyncio.sleep(step_s / max(len(job.lead_ids), 1))
            if not self._live(job):
                return
            job.convert_upto(i + 1, self.convert)
        await asyncio.sleep(step_s)
        job.finish()

    def _live(self, job: MassConvertJob) -> bool:
        """False once `reset()` dropped the job."""
        return self.jobs.get(job.id) is job

    def clear(self) -> None:
        self.jobs.clear()

    def describe(self) -> dict[str, dict[str, Any]]:
        """Per job: status and counts (the control surface's `state()`)."""
        return {
            j.id: {"Status": j.status, "converted": j.converted, "failed": j.failed}
            for j in self.jobs.values()
        }
