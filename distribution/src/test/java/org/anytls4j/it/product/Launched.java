package org.anytls4j.it.product;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.anytls4j.distribution.Distribution;

/**
 * {@code bin/anytls4j ARGS} of the packaged distribution as a running process, with its log (stderr) collected line
 * by line so that a test can wait for a line ({@link #await}) instead of sleeping, and its standard output kept in a
 * file. {@link #close()} sends SIGTERM, as a service manager does, and waits for the exit.
 *
 * <h2>Threading</h2>
 * One daemon thread reads stderr; {@link #await} and {@link #log()} may be called from any thread.
 */
final class Launched implements AutoCloseable {
    private static final long AWAIT_SECONDS = 60;

    private final Process process;
    private final Path stdout;
    private final List<String> lines = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private record Waiter(Pattern pattern, CompletableFuture<Matcher> match) {
    }

    private Launched(Process process, Path stdout) {
        this.process = process;
        this.stdout = stdout;
        Thread reader = new Thread(this::readLog, "launched-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code bin/anytls4j args} with this JVM's Java. */
    static Launched start(String... args) throws IOException {
        return start(null, List.of(), args);
    }

    /**
     * Starts {@code wrapper... sh bin/anytls4j args} (a wrapper such as {@code prlimit --nofile=256:256}) with this
     * JVM's Java and {@code javaOpts} as {@code JAVA_OPTS} (null: none).
     */
    static Launched start(String javaOpts, List<String> wrapper, String... args) throws IOException {
        Path stdout = Files.createTempFile("anytls4j-out", ".txt");
        ProcessBuilder builder = new ProcessBuilder();
        builder.command().addAll(wrapper);
        builder.command().add("sh");
        builder.command().add(Distribution.home().resolve("bin/anytls4j").toString());
        builder.command().addAll(List.of(args));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        if (javaOpts == null) {
            builder.environment().remove("JAVA_OPTS");
        } else {
            builder.environment().put("JAVA_OPTS", javaOpts);
        }
        builder.environment().remove("ANYTLS4J_HOME");
        builder.redirectOutput(stdout.toFile());
        return new Launched(builder.start(), stdout);
    }

    private void readLog() {
        try (BufferedReader err = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = err.readLine(); line != null; line = err.readLine()) {
                synchronized (this) {
                    lines.add(line);
                    for (Waiter waiter : waiters) {
                        Matcher matcher = waiter.pattern().matcher(line);
                        if (!waiter.match().isDone() && matcher.find()) {
                            waiter.match().complete(matcher);
                        }
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        } finally {
            ended.complete(null);
            synchronized (this) {
                waiters.forEach(w -> w.match().completeExceptionally(
                        new AssertionError("the process ended before a line matched " + w.pattern() + ":\n" + log())));
            }
        }
    }

    /** The first log line, already read or still to come, in which {@code regex} is found; its match. */
    Matcher await(String regex) {
        CompletableFuture<Matcher> match = new CompletableFuture<>();
        Pattern pattern = Pattern.compile(regex);
        synchronized (this) {
            for (String line : lines) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    return matcher;
                }
            }
            if (ended.isDone()) {
                throw new AssertionError("the process ended before a line matched " + regex + ":\n" + log()
                        + "\nstandard output:\n" + outQuietly());
            }
            waiters.add(new Waiter(pattern, match));
        }
        try {
            return match.get(AWAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof AssertionError a ? a : new AssertionError(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no log line matched " + regex + " in " + AWAIT_SECONDS + "s:\n" + log());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The port of the first line matching {@code regex}, whose group 1 is the port. */
    int port(String regex) {
        return Integer.parseInt(await(regex).group(1));
    }

    /** The log so far. */
    synchronized String log() {
        return String.join("\n", lines);
    }

    /** What the process printed on standard output so far. */
    String out() throws IOException {
        return Files.readString(stdout);
    }

    private String outQuietly() {
        try {
            return out();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Waits for the process to end by itself (no signal), at most {@code seconds}; returns its exit code.
     *
     * @throws AssertionError when it is still running then (it is killed)
     */
    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running " + seconds + "s later:\n" + log());
        }
        ended.join();
        return process.exitValue();
    }

    /** Sends SIGTERM and waits for the exit; returns the exit code. */
    int stop() throws IOException, InterruptedException {
        if (process.isAlive()) {
            new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not stop within 30s of SIGTERM:\n" + log());
        }
        ended.join();
        return process.exitValue();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stop();
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(stdout);
        }
    }
}
