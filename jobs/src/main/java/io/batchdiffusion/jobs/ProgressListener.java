package io.batchdiffusion.jobs;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Prints a progress line every interval on the driver: renders finished of the total, images per
 * second and ETA. Running tasks report their counter through executor heartbeats, so the line moves
 * while long tasks are still working; finished tasks report their final count.
 */
final class ProgressListener extends SparkListener {

    private final long total;
    private final long intervalNanos;
    private final PrintStream out;
    private final long started = System.nanoTime();
    private final Map<Long, Long> runningByTask = new ConcurrentHashMap<>();
    private volatile long finishedTasksCount;
    private volatile long lastPrinted = System.nanoTime();

    ProgressListener(long total, int intervalSeconds, PrintStream out) {
        this.total = total;
        this.intervalNanos = intervalSeconds * 1_000_000_000L;
        this.out = out;
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task :
                CollectionConverters.asJava(update.accumUpdates())) {
            long taskId = (Long) task._1();
            for (AccumulableInfo info : CollectionConverters.asJava(task._4())) {
                if (info.name().isDefined()
                        && JobCounters.RENDERS_FINISHED.equals(info.name().get())
                        && info.update().isDefined()) {
                    runningByTask.put(taskId, ((Number) info.update().get()).longValue());
                }
            }
        }
        maybePrint();
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        long taskId = end.taskInfo().taskId();
        runningByTask.remove(taskId);
        if (end.taskInfo().successful()) {
            for (AccumulableInfo info :
                    CollectionConverters.asJava(end.taskInfo().accumulables())) {
                if (info.name().isDefined()
                        && JobCounters.RENDERS_FINISHED.equals(info.name().get())
                        && info.update().isDefined()) {
                    synchronized (this) {
                        finishedTasksCount += ((Number) info.update().get()).longValue();
                    }
                }
            }
        }
        maybePrint();
    }

    long done() {
        long running = 0;
        for (long v : runningByTask.values()) {
            running += v;
        }
        return Math.min(total, finishedTasksCount + running);
    }

    private void maybePrint() {
        long now = System.nanoTime();
        if (now - lastPrinted < intervalNanos) {
            return;
        }
        lastPrinted = now;
        out.println(line(now));
    }

    String line(long now) {
        long done = done();
        double seconds = (now - started) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = rate > 0 ? formatDuration((long) ((total - done) / rate)) : "unknown";
        return String.format(
                "[progress] renders %d/%d (%.1f%%), %.3f images/s, ETA %s",
                done, total, total == 0 ? 100.0 : 100.0 * done / total, rate, eta);
    }

    static String formatDuration(long seconds) {
        if (seconds >= 3600) {
            return String.format("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
        }
        return seconds >= 60 ? String.format("%dm%02ds", seconds / 60, seconds % 60) : seconds + "s";
    }
}
