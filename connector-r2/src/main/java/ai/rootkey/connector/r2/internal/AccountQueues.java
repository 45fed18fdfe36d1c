package ai.rootkey.connector.r2.internal;

import ai.rootkey.connector.DependencyException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The queue endpoints of an account, on its {@link CloudflareApi}: list the queues and create one. Shapes from
 * {@code cloudflare/cloudflare-typescript} {@code src/resources/queues/queues.ts}: {@code GET /accounts/{a}/queues}
 * answers an array of {@code Queue} ({@code queue_id}, {@code queue_name}, {@code settings}, ...), {@code POST
 * /accounts/{a}/queues} takes {@code {"queue_name": name}} and answers the new {@code Queue}.
 *
 * <p>Guessed: the SDK lists queues as a single page; should the API page a long list the way other v4 lists do
 * ({@code result_info.total_pages}, {@code ?page=N}), the later pages are fetched too, up to {@value #MAX_PAGES}.
 */
public final class AccountQueues {
    /** The most pages of queues read (Cloudflare allows 10,000 queues per account). */
    static final int MAX_PAGES = 200;

    private final CloudflareApi api;
    private final CloudflareApi.Resource resource;

    AccountQueues(CloudflareApi api) {
        this.api = api;
        this.resource = new CloudflareApi.Resource("Cloudflare Queues", "the queues of account " + api.accountId(),
                "Queues read and write", "account not found", "CLOUDFLARE_ACCOUNT_ID");
    }

    /** {@code GET /accounts/{a}/queues}: every queue of the account, in the order listed. */
    public List<CloudflareQueue.Info> list() throws IOException {
        List<CloudflareQueue.Info> out = new ArrayList<>();
        String path = api.accountPath() + "/queues";
        JsonNode page = api.send("list queues", resource, "GET", path, null, Map.of(), true);
        int pages = 1;
        while (true) {
            JsonNode result = page.path("result");
            if (result.isArray()) {
                for (JsonNode q : result) {
                    CloudflareQueue.Info.parse(q).ifPresent(out::add);
                }
            } else if (!result.isNull() && !result.isMissingNode()) {
                throw new DependencyException("Cloudflare Queues list queues answered a result that is not a list",
                        200);
            }
            JsonNode info = page.path("result_info");
            int current = info.path("page").asInt(pages);
            int total = info.path("total_pages").asInt(current);
            if (current >= total || pages >= MAX_PAGES) {
                return out;
            }
            pages++;
            page = api.send("list queues", resource, "GET", path + "?page=" + (current + 1), null,
                    Map.of(), true);
        }
    }

    /**
     * {@code POST /accounts/{a}/queues}: creates a queue named {@code name} and returns it.
     *
     * @throws DependencyException when the reply carries no queue id (and as {@link CloudflareApi#get})
     */
    public CloudflareQueue.Info create(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("queue_name", name);
        JsonNode result = api.post("create queue", resource, api.accountPath() + "/queues", request);
        return CloudflareQueue.Info.parse(result).orElseThrow(() -> new DependencyException(
                "Cloudflare Queues create queue answered without a queue id for " + CloudflareApi.excerpt(name), 200));
    }

    @Override
    public String toString() {
        return "AccountQueues[" + api.accountId() + "]";
    }
}
