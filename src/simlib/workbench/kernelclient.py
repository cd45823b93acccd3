"""The client report kernels are driven with: jupyter_client's, ready sooner.

jupyter_client decides that a new kernel is ready once it has answered a
``kernel_info`` request and its IOPub channel has then been silent for 0.2 s (and
once more when the first answer's IOPub messages went out before the subscription
was connected, which is usual). A report page waits for that on every kernel: about
a third of a second, as long as a short report's own cells take.

:class:`ReportKernelClient` asks the same question and stops waiting as soon as it
has the answer: the kernel has replied on the shell channel, and its IOPub status for
that very request has arrived (which proves the subscription is connected). Nothing
sent before then belongs to a cell: the executor reads only the messages that answer
its own requests.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import ensure_async

#: How long one ``kernel_info`` request's reply, then its IOPub status, is waited for
#: before the request is sent again. A status lost because the subscription was not yet
#: connected never comes, so that wait is short; asking again costs nothing.
SHELL_WAIT = 1.0
IOPUB_WAIT = 0.05


class ReportKernelClient(AsyncKernelClient):
    """:class:`jupyter_client.asynchronous.AsyncKernelClient` whose ``wait_for_ready``
    returns once the kernel has answered a ``kernel_info`` request on both channels."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            if await self._answered(self.kernel_info()):
                return
            if not await self._async_is_alive():
                # internal: jupyter_client's own words; the caller reports the failure
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                # internal: as above
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _answered(self, msg_id: str) -> bool:
        """Whether the kernel answers request ``msg_id`` on the shell channel and reports
        itself idle after it on IOPub (not within the waits: ask again)."""
        try:
            while True:
                reply = await ensure_async(self.shell_channel.get_msg(timeout=SHELL_WAIT))
                if _answers(reply, msg_id) and reply["msg_type"] == "kernel_info_reply":
                    break
            self._handle_kernel_info_reply(reply)
            while True:
                msg = await ensure_async(self.iopub_channel.get_msg(timeout=IOPUB_WAIT))
                if (
                    _answers(msg, msg_id)
                    and msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"
                ):
                    return True
        except Empty:
            return False


def _answers(msg: dict[str, Any], msg_id: str) -> bool:
    return msg.get("parent_header", {}).get("msg_id") == msg_id
