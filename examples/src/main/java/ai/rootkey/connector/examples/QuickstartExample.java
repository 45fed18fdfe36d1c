package ai.rootkey.connector.examples;

import ai.rootkey.connector.Connector;
import ai.rootkey.connector.r2.R2Connector;

import java.util.concurrent.CountDownLatch;

/**
 * The smallest real wiring: every setting from the environment (CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN,
 * R2_QUEUE_ID, R2_BUCKET, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, ROOTKEY_API_KEY, ...), runs until Ctrl-C, then
 * drains: uploads in flight finish, everything unfinished goes back to the queue.
 */
public final class QuickstartExample {
    private QuickstartExample() {
    }

    public static void main(String[] args) throws InterruptedException {
        Connector connector = R2Connector.builder().fromEnvironment().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            connector.close();
            stopped.countDown();
        }));
        stopped.await();
    }
}
