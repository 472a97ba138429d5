//! The worker thread: linting, fix-all and walking the workspace run here,
//! one job at a time, while the server loop keeps reading messages. The loop
//! hands over a job only when the worker is idle, so the next job is always
//! picked from the newest state (the latest version of a document).

use crossbeam_channel::{Receiver, Sender};

type Job<T> = Box<dyn FnOnce() -> T + Send>;

/// A thread that runs jobs and sends back what each gives.
pub(crate) struct Worker<T> {
    jobs: Sender<Job<T>>,
    busy: bool,
}

impl<T: Send + 'static> Worker<T> {
    /// Starts the thread; results go to `results`.
    pub(crate) fn spawn(results: Sender<T>) -> Worker<T> {
        let (jobs, queue): (Sender<Job<T>>, Receiver<Job<T>>) = crossbeam_channel::unbounded();
        std::thread::Builder::new()
            .name("slotlint-worker".into())
            .spawn(move || {
                for job in queue {
                    if results.send(job()).is_err() {
                        break;
                    }
                }
            })
            .expect("start the worker thread");
        Worker { jobs, busy: false }
    }

    pub(crate) fn is_busy(&self) -> bool {
        self.busy
    }

    /// Runs `job` (the worker must be idle).
    pub(crate) fn run(&mut self, job: impl FnOnce() -> T + Send + 'static) {
        debug_assert!(!self.busy, "one job at a time");
        self.busy = self.jobs.send(Box::new(job)).is_ok();
    }

    /// Marks the job's result received.
    pub(crate) fn finished(&mut self) {
        self.busy = false;
    }
}
