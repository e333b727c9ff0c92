# Owns executing a notebook on the Deno kernel without losing outputs: an nbconvert config file.
#
# Loaded with `jupyter nbconvert --config <this file>` (see execute_notebook.ts). The Deno kernel
# (2.x) evaluates a cell on one thread and talks to Jupyter on another: what a cell displays or
# prints travels through a queue that the other thread publishes from, while the cell's reply and
# its `idle` status are published as soon as the evaluation ends. Nothing orders the two, so a
# cell's last outputs can leave after its `idle`; nbclient stops reading a cell at `idle` and drops
# whatever comes later (silently: it skips messages of other requests). On a loaded machine that
# lost a table or a chart from an executed notebook now and then.
#
# The queue is first in, first out, so the executor puts a marker at its end: after each code cell
# it asks the kernel, silently, to display a one-off token, and reads on until that token has been
# published. Every output the cell queued was published before it, and belongs to the cell
# (published under the cell's request, or under the marker's when it left after the marker began).
from queue import Empty
from time import monotonic
from uuid import uuid4

from nbclient.exceptions import CellTimeoutError
from nbclient.util import ensure_async, run_sync
from nbconvert.preprocessors import ExecutePreprocessor

MARKER_TYPE = "application/x.notebook-output-barrier"
OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error", "clear_output",
                "update_display_data"}


class OutputBarrierExecutePreprocessor(ExecutePreprocessor):
    """An ExecutePreprocessor that reads a cell's outputs until the kernel published them all."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if cell.cell_type == "code" and cell.source.strip():
            await self._read_until_marker(cell, cell_index)
        return cell

    # nbclient binds the synchronous form to its own coroutine: bind it to this one.
    execute_cell = run_sync(async_execute_cell)

    async def _read_until_marker(self, cell, cell_index):
        try:
            await self._read_until_marker_or_timeout(cell, cell_index)
        except Empty:
            raise CellTimeoutError.error_from_timeout_and_cell(
                "Timeout waiting for the kernel to publish the cell's outputs",
                self.iopub_timeout,
                cell,
            ) from None

    async def _read_until_marker_or_timeout(self, cell, cell_index):
        token = uuid4().hex
        code = (
            f'Deno.jupyter.broadcast("display_data", '
            f'{{ data: {{ "{MARKER_TYPE}": "{token}" }}, metadata: {{}}, transient: {{}} }});'
        )
        marker_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False))
        deadline = monotonic() + self.iopub_timeout
        marker_seen = marker_idle = False
        while not (marker_seen and marker_idle):
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=remaining(deadline)))
            msg_type = msg["msg_type"]
            from_marker = msg["parent_header"].get("msg_id") == marker_id
            if msg_type == "status":
                marker_idle = marker_idle or (
                    from_marker and msg["content"]["execution_state"] == "idle"
                )
            elif msg_type == "display_data" and msg["content"].get("data", {}).get(
                MARKER_TYPE
            ) == token:
                marker_seen = True
            elif msg_type in OUTPUT_TYPES:
                # Late, but the cell's: its own request's, or published once the marker's began.
                self.process_message(msg, cell, cell_index)
        # The marker's execute_reply, so that the next cell's reads start clean.
        while True:
            reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=remaining(deadline)))
            if reply["parent_header"].get("msg_id") == marker_id:
                return


def remaining(deadline):
    left = deadline - monotonic()
    if left <= 0:
        raise Empty()
    return left


c = get_config()  # noqa: F821 (defined when nbconvert loads this file as its config)
c.Exporter.preprocessors = [OutputBarrierExecutePreprocessor]
