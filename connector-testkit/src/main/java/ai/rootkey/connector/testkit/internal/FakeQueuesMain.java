package ai.rootkey.connector.testkit.internal;

import ai.rootkey.connector.testkit.FakeCloudflareQueues;
import ai.rootkey.connector.testkit.QueueConsumerSettings;

import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The command line of {@link FakeCloudflareQueues#main(String[])}: options, environment, what it prints. */
public final class FakeQueuesMain {
    public static final String USAGE = "usage: FakeCloudflareQueues [--port N] [--token T] [--queue NAME] [--dlq NAME] "
            + "[--max-retries N] [--seed N] [--no-queues]   (env: FAKE_CLOUDFLARE_QUEUES_PORT, "
            + "FAKE_CLOUDFLARE_QUEUES_TOKEN)";
    public static final int DEFAULT_PORT = 8788;

    private FakeQueuesMain() {
    }

    /**
     * Starts a fake from command-line options (which win) and environment variables, creates the queue and its
     * dead-letter queue (unless {@code --no-queues}: an empty account, for {@code provision}), and prints how to reach
     * them as {@code NAME=value} lines.
     *
     * @throws IllegalArgumentException for an unknown option or a bad value
     */
    public static FakeCloudflareQueues start(List<String> args, Map<String, String> env, PrintStream out) {
        String port = env.getOrDefault("FAKE_CLOUDFLARE_QUEUES_PORT", Integer.toString(DEFAULT_PORT));
        String token = env.get("FAKE_CLOUDFLARE_QUEUES_TOKEN");
        String queue = "rootkey-r2-events";
        String dlq = "rootkey-r2-dlq";
        String maxRetries = "5";
        String seed = "1";
        boolean queues = true;
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (option.equals("--no-queues")) {
                queues = false;
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            String value = args.get(++i);
            switch (option) {
                case "--port":
                    port = value;
                    break;
                case "--token":
                    token = value;
                    break;
                case "--queue":
                    queue = value;
                    break;
                case "--dlq":
                    dlq = value;
                    break;
                case "--max-retries":
                    maxRetries = value;
                    break;
                case "--seed":
                    seed = value;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (token == null || token.isBlank()) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            token = "fake-" + HexFormat.of().formatHex(random);
        }
        FakeCloudflareQueues fake = FakeCloudflareQueues.builder()
                .port(number(port, "port"))
                .token(token)
                .seed(number(seed, "seed"))
                .build();
        int retries = number(maxRetries, "max-retries");
        if (!queues) {
            fake.start();
            out.println("# FakeCloudflareQueues: no queues yet (create them, e.g. with provision); Ctrl-C stops it");
            out.println("CLOUDFLARE_API_BASE_URL=" + fake.baseUrl());
            out.println("CLOUDFLARE_ACCOUNT_ID=" + fake.accountId());
            out.println("CLOUDFLARE_API_TOKEN=" + fake.token());
            out.println("ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
            out.flush();
            return fake;
        }
        String dlqId = fake.createQueue(dlq);
        String queueId = fake.createQueue(queue, QueueConsumerSettings.defaults()
                .withMaxRetries(retries)
                .withDeadLetterQueue(dlq));
        fake.start();
        out.println("# FakeCloudflareQueues: queue " + queue + " (max_retries " + maxRetries + ", dead letters to " + dlq
                + "); Ctrl-C stops it");
        out.println("CLOUDFLARE_API_BASE_URL=" + fake.baseUrl());
        out.println("CLOUDFLARE_ACCOUNT_ID=" + fake.accountId());
        out.println("CLOUDFLARE_API_TOKEN=" + fake.token());
        out.println("R2_QUEUE_ID=" + queueId);
        out.println("R2_DLQ_ID=" + dlqId);
        out.println("ROOTKEY_ALLOW_INSECURE_LOOPBACK=true");
        out.flush();
        return fake;
    }

    private static int number(String value, String name) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was " + value);
        }
    }
}
