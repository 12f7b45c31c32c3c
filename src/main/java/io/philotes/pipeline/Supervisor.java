package io.philotes.pipeline;

import java.time.Duration;

import io.philotes.db.DatabaseErrors;

/**
 * Looks at the pipelines every few seconds ({@link PipelineService#supervise()}): resumes those wanted
 * running at start-up, takes over those of an instance that died, and stops here those stopped elsewhere.
 */
public final class Supervisor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Supervisor.class.getName());
    private final PipelineService pipelines;
    private final Duration interval;
    private Thread loop;
    private boolean closed;

    /**
     * Creates the supervisor.
     *
     * @param pipelines the pipeline service
     * @param interval  time between looks
     */
    public Supervisor(PipelineService pipelines, Duration interval) {
        this.pipelines = pipelines;
        this.interval = interval;
    }

    /** Looks now, then every interval, in the background. */
    public synchronized void start() {
        if (loop != null || closed) {
            return;
        }
        loop = Thread.ofVirtual().name("philotes-supervisor").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    pipelines.supervise();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "Supervising the pipelines failed (retried in {0} ms): {1}",
                            interval.toMillis(), DatabaseErrors.message(e));
                }
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Stops looking; waits for a look in progress, so that it starts nothing afterwards. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = loop;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
