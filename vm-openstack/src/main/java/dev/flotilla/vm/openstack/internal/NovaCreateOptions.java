package dev.flotilla.vm.openstack.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Map;
import org.jclouds.http.HttpRequest;
import org.jclouds.io.Payload;
import org.jclouds.io.Payloads;
import org.jclouds.openstack.nova.v2_0.options.CreateServerOptions;

/**
 * jclouds' create options with two changes: Nova's {@code os:scheduler_hints}, which jclouds 2.7.0
 * cannot send (the server group that keeps an anti-affinity group's servers on different hosts), and a
 * {@code toString} that shows only the size of the user data, which may hold secrets.
 */
public final class NovaCreateOptions extends CreateServerOptions {
  private final String group;
  private int userDataBytes;

  /** Options that place the server in server group {@code group} (its id), or anywhere when null. */
  public NovaCreateOptions(String group) {
    this.group = group;
  }

  @Override
  public CreateServerOptions userData(byte[] userData) {
    userDataBytes = userData.length;
    return super.userData(userData);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R extends HttpRequest> R bindToRequest(R request, Map<String, Object> postParams) {
    R bound = super.bindToRequest(request, postParams);
    if (group == null) {
      return bound;
    }
    JsonObject body = JsonParser.parseString(bound.getPayload().getRawContent().toString()).getAsJsonObject();
    JsonObject hints = new JsonObject();
    hints.addProperty("group", group);
    body.add("os:scheduler_hints", hints);
    Payload payload = Payloads.newStringPayload(body.toString());
    payload.getContentMetadata().setContentType("application/json");
    return (R) bound.toBuilder().payload(payload).build();
  }

  @Override
  public String toString() {
    return "CreateServerOptions{keyName=" + getKeyPairName() + ", securityGroups=" + getSecurityGroupNames()
        + ", availabilityZone=" + getAvailabilityZone() + ", networks=" + getNetworks() + ", serverGroup=" + group
        + ", userData=" + userDataBytes + " bytes}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NovaCreateOptions h && java.util.Objects.equals(h.group, group) && super.equals(o);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + java.util.Objects.hashCode(group);
  }
}
