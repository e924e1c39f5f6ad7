package dev.tcplife.jfr.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tcplife.jfr.it.workload.ChurnWorkload;
import dev.tcplife.jfr.it.workload.FileSignal;

/**
 * JDK 22 and later restrict native access (issue 16): the agent loads its native layer without a line in the
 * application's output and without any flag, with -javaagent and on attach; and where the JDK refuses restricted
 * methods to code not granted them ({@code --illegal-native-access=deny}, JDK 24 and later) it works all the same.
 * On JDK 17 it checks the same silence.
 */
class NativeAccessIT extends BpfIntegrationTest {

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void atStartNoWarningAndRestrictedMethodsDenied(Path jdk, @TempDir Path dir) throws Exception {
        Path truth = dir.resolve("truth.tsv");
        AgentRun run = AgentRun.on(jdk);
        denyNativeAccess(run, jdk);
        ChurnRun churn = ChurnRun.of(run.run(dir, ChurnWorkload.class, truth.toString(), "300", "1"), truth);
        assertNoWarning(churn.run());
        churn.assertEveryEndRecordedOnce();
    }

    @ParameterizedTest(name = "JDK {0}")
    @MethodSource("jdks")
    void onAttachNoWarningAndRestrictedMethodsDenied(Path jdk, @TempDir Path dir) throws Exception {
        Path truth = dir.resolve("truth.tsv");
        Path churning = dir.resolve("churning");
        AgentRun run = AgentRun.on(jdk).withoutAgent().withoutRecording();
        if (Jdks.featureVersion(jdk) >= 21) {
            run.jvmOption("-XX:+EnableDynamicAgentLoading");
        }
        denyNativeAccess(run, jdk);
        AgentRun.Running workload = run.start(dir, ChurnWorkload.class, truth.toString(), "0", "1", "0",
                churning.toString());
        try {
            FileSignal.await(churning, workload::isAlive);
            AttachIT.startRecording(jdk, workload.pid(), dir);
            long attachBegin = AttachIT.now();
            Command attach = AttachIT.agentCommand(jdk, "attach", workload.pid());
            assertEquals(0, attach.exitCode(), attach.toString());
            assertTrue(attach.stdout().contains("tracing"), attach.toString());
            Thread.sleep(300);
            FileSignal.send(churning.resolveSibling(churning.getFileName() + ".stop"));
            ChurnRun churn = ChurnRun.of(workload.await(), truth);
            assertNoWarning(churn.run());
            churn.assertRecordedSince(churn.statistics().getInstant("tracingStart"), attachBegin);
            assertTrue(churn.statistics().getLong("sessionsRecorded") > 0, churn.statistics().toString());
        } finally {
            workload.destroy();
        }
    }

    /** JDK 24 and later can refuse restricted methods to code not granted native access: make them. */
    private static void denyNativeAccess(AgentRun run, Path jdk) {
        if (Jdks.featureVersion(jdk) >= 24) {
            run.jvmOption("--illegal-native-access=deny");
        }
    }

    /** Nothing the JVM or the agent printed on the application's standard error but the agent's own lines. */
    private static void assertNoWarning(AgentRun.Result run) {
        List<String> lines = run.stderr().lines().filter(line -> !line.isBlank()).toList();
        assertEquals(List.of(), lines.stream().filter(line -> !line.startsWith("[tcplife] INFO")).toList(),
                run.describe());
    }
}
