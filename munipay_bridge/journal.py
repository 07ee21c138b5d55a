"""The bridge's journal: every operation by its transaction id, persisted on each change.

It is what makes a start idempotent (a known id is never sent to the terminal again) and
what survives the bridge going away: an operation that was not final when the bridge
stopped becomes ``failed`` when its command cannot have left, and ``unknown`` (the cashier
checks the terminal) when it may have.
"""
import datetime
import json
import os
import threading

FINAL_STATES = ('approved', 'declined', 'aborted', 'failed', 'unknown')
KEEP = 500  # operations kept in the file (the oldest final ones are dropped)


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


class Journal:
    def __init__(self, path):
        self.path = path
        self.lock = threading.RLock()
        self.operations = {}
        if path and os.path.exists(path):
            with open(path, encoding='utf-8') as handle:
                self.operations = json.load(handle).get('operations', {})

    def _save(self):
        if not self.path:
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        if len(self.operations) > KEEP:
            oldest = sorted((op['created_at'], tid) for tid, op in self.operations.items()
                            if op['state'] in FINAL_STATES)
            for _, tid in oldest[:len(self.operations) - KEEP]:
                del self.operations[tid]
        tmp = '%s.tmp' % self.path
        with open(tmp, 'w', encoding='utf-8') as handle:
            json.dump({'operations': self.operations}, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)  # atomic: a crash leaves the old or the new file, never half

    def get(self, tid):
        with self.lock:
            op = self.operations.get(tid)
            return dict(op) if op else None

    def add(self, op):
        with self.lock:
            op.setdefault('created_at', now())
            op['updated_at'] = op['created_at']
            self.operations[op['transaction_id']] = op
            self._save()
            return dict(op)

    def update(self, tid, **values):
        with self.lock:
            op = self.operations[tid]
            op.update(values)
            op['updated_at'] = now()
            self._save()
            return dict(op)

    def max_trace(self):
        """The highest trace number any operation got from the terminal (None: none yet)."""
        with self.lock:
            traces = [op['trace_no'] for op in self.operations.values() if op.get('trace_no') is not None]
            return max(traces) if traces else None

    def recent(self, limit=50):
        with self.lock:
            ops = sorted(self.operations.values(), key=lambda op: op['created_at'], reverse=True)
            return [dict(op) for op in ops[:limit]]

    def recover(self):
        """After a start: settle what the previous run left unfinished. Returns the ids."""
        settled = []
        with self.lock:
            for tid, op in self.operations.items():
                if op.get('checking'):  # a check with the terminal was cut off: ask again
                    op['checking'] = False
                    settled.append(tid)
                if op['state'] in FINAL_STATES:
                    continue
                if op.get('dispatched'):
                    op.update(state='unknown', message='The bridge stopped during this operation: '
                              'check the terminal (display, last receipt) before charging again.')
                else:
                    op.update(state='failed', message='The bridge stopped before sending this '
                              'operation to the terminal: nothing was charged.')
                op['updated_at'] = now()
                if tid not in settled:
                    settled.append(tid)
            if settled:
                self._save()
        return settled
