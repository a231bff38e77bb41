package io.batchdiffusion.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One driver per run id. The lock is a file under the run root holding the owner's token; the owner
 * refreshes it every {@link #HEARTBEAT_SECONDS}, and a lock not refreshed for {@link #STALE_SECONDS}
 * (or whose owner process on this host is gone) belongs to a dead driver and is taken over. The
 * manifest is written only while {@link #stillOwned()} holds.
 */
final class RunLock {

    static final int HEARTBEAT_SECONDS = 10;
    static final int STALE_SECONDS = 60;

    private final FileSystem fs;
    private final Path path;
    private final String token;
    private final ScheduledExecutorService heartbeat;

    private RunLock(FileSystem fs, Path path, String token) {
        this.fs = fs;
        this.path = path;
        this.token = token;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleAtFixedRate(this::refresh, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
    }

    static RunLock acquire(String runRoot, Configuration conf) {
        Path path = new Path(runRoot + "/_run.lock");
        String token = owner() + " " + UUID.randomUUID();
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (fs.exists(path)) {
                FileStatus status = fs.getFileStatus(path);
                String holder = read(fs, path);
                long ageSeconds = (System.currentTimeMillis() - status.getModificationTime()) / 1000;
                if (ageSeconds < STALE_SECONDS && ownerAlive(holder)) {
                    throw new IllegalStateException("run " + runRoot + " is being written by another driver (" + holder
                            + ", lock refreshed " + ageSeconds + "s ago); wait for it, or delete " + path
                            + " if that driver is gone");
                }
                fs.delete(path, false);
            }
            try (OutputStream out = fs.create(path, false)) {
                out.write(token.getBytes(StandardCharsets.UTF_8));
            } catch (FileAlreadyExistsException e) {
                throw new IllegalStateException("run " + runRoot + " was locked by another driver just now", e);
            }
            if (!token.equals(read(fs, path))) {
                throw new IllegalStateException("run " + runRoot + " was locked by another driver just now");
            }
            return new RunLock(fs, path, token);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock run " + runRoot, e);
        }
    }

    // Synchronized with refresh: on a local or HDFS file system a rewrite truncates before it writes, and
    // our own check must not read the lock in between and think another driver took it.
    synchronized boolean stillOwned() {
        try {
            return token.equals(read(fs, path));
        } catch (IOException e) {
            return false;
        }
    }

    private synchronized void refresh() {
        try {
            if (stillOwned()) {
                try (OutputStream out = fs.create(path, true)) {
                    out.write(token.getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException ignored) {
            // The next beat retries; a lock left stale is only taken over after STALE_SECONDS.
        }
    }

    void release() {
        heartbeat.shutdownNow();
        try {
            if (stillOwned()) {
                fs.delete(path, false);
            }
        } catch (IOException ignored) {
            // A leftover lock is stale after STALE_SECONDS and taken over by the next run.
        }
    }

    private static String read(FileSystem fs, Path path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** "host pid" of this process. */
    private static String owner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        return host + " " + ManagementFactory.getRuntimeMXBean().getPid();
    }

    /** False only when the holder is a process on this host that no longer exists. */
    private static boolean ownerAlive(String holder) {
        String[] parts = holder.split(" ");
        if (parts.length < 2) {
            return true;
        }
        try {
            if (!parts[0].equals(InetAddress.getLocalHost().getHostName())) {
                return true;
            }
            return ProcessHandle.of(Long.parseLong(parts[1]))
                    .map(ProcessHandle::isAlive)
                    .orElse(false);
        } catch (IOException | NumberFormatException e) {
            return true;
        }
    }
}
