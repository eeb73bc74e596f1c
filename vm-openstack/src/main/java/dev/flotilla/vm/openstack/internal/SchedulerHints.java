package dev.flotilla.vm.openstack.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Map;
import org.jclouds.http.HttpRequest;
import org.jclouds.io.Payload;
import org.jclouds.io.Payloads;
import org.jclouds.openstack.nova.v2_0.options.CreateServerOptions;

/**
 * jclouds' create options plus Nova's {@code os:scheduler_hints}, which jclouds 2.7.0 cannot send: the
 * server group that keeps the servers of an anti-affinity group on different hosts.
 */
public final class SchedulerHints extends CreateServerOptions {
  private final String group;

  /** Options that place the server in server group {@code group} (its id). */
  public SchedulerHints(String group) {
    this.group = group;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R extends HttpRequest> R bindToRequest(R request, Map<String, Object> postParams) {
    R bound = super.bindToRequest(request, postParams);
    JsonObject body = JsonParser.parseString(bound.getPayload().getRawContent().toString()).getAsJsonObject();
    JsonObject hints = new JsonObject();
    hints.addProperty("group", group);
    body.add("os:scheduler_hints", hints);
    Payload payload = Payloads.newStringPayload(body.toString());
    payload.getContentMetadata().setContentType("application/json");
    return (R) bound.toBuilder().payload(payload).build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SchedulerHints h && h.group.equals(group) && super.equals(o);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + group.hashCode();
  }
}
