package dev.snapshotsentinel.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.opensearch.Version;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * One single-node OpenSearch in this JVM, its HTTP on 127.0.0.1 only (so the bootstrap checks stay
 * in development mode), the netty4 transport loaded from the classpath the way OpenSearch's own
 * MockNode loads test plugins, and path.repo set so that the built-in fs repository type works.
 *
 * Usage: EngineLauncher HTTP_PORT HOME_DIR REPO_DIR (HTTP_PORT 0: any free port). Once the node is
 * started it prints one line, {@code engine: OpenSearch <version> at http://127.0.0.1:<port> (java pid <pid>)},
 * and runs until the JVM is told to stop (SIGTERM or SIGINT close the node first) or its standard input
 * closes: the process that started it ended, so no engine outlives the tests or the terminal that ran it.
 */
public final class EngineLauncher {

    /** Node's plugin-taking constructor is protected: a subclass is how embedded nodes reach it. */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment environment) {
            super(environment, List.of(Netty4Plugin.class), true);
        }
    }

    private EngineLauncher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: EngineLauncher HTTP_PORT HOME_DIR REPO_DIR");
            System.exit(2);
        }
        String httpPort = args[0];
        Path home = Path.of(args[1]).toAbsolutePath();
        Path repo = Path.of(args[2]).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(repo);

        Settings settings = Settings.builder()
            .put("cluster.name", "snapshot-sentinel-engine")
            .put("node.name", "engine-0")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("path.repo", repo.toString())
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", "0")
            // One processor's worth of thread pools: the machine is shared and the tests are small.
            .put("node.processors", 1)
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            // Shared test machines run with little free disk: the watermarks would refuse allocations.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "engine-0");

        Node node = new EmbeddedNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception exc) {
                System.err.println("engine: close failed: " + exc);
            } finally {
                stopped.countDown();
            }
        }, "engine-shutdown"));
        node.start();
        int port = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
        System.out.println("engine: OpenSearch " + Version.CURRENT + " at http://127.0.0.1:" + port
            + " (java pid " + ProcessHandle.current().pid() + ")");
        System.out.flush();
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // input is ignored; only its end matters
                }
            } catch (Exception exc) {
                // a broken pipe is an end too
            }
            System.exit(0);
        }, "engine-parent-watch");
        watchdog.setDaemon(true);
        watchdog.start();
        stopped.await();
    }
}
