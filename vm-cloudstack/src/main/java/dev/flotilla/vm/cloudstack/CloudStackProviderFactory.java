package dev.flotilla.vm.cloudstack;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.cloudstack.internal.CsClient;
import dev.flotilla.vm.cloudstack.internal.CsJclouds;
import dev.flotilla.vm.support.Endpoints;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.ProviderFactory;
import java.net.URI;
import java.time.Clock;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Apache CloudStack clouds (api id {@code cloudstack}), on jclouds' CloudStack API for the commands it covers
 * and Flotilla's own signed client for the rest, every request signed by Flotilla. A profile gives
 * {@code api_url} (such as {@code https://cloud.example.org/client/api}), {@code api_key} and
 * {@code secret_key}, and optionally the {@code zone}, the {@code network} and {@code max_parallel}.
 */
public final class CloudStackProviderFactory implements ProviderFactory {
  /** The api id. */
  public static final String ID = "cloudstack";

  static final Set<Capability> TRAITS = java.util.Collections.unmodifiableSet(EnumSet.of(Capability.STOP_START,
      Capability.REBOOT, Capability.USER_DATA, Capability.TAGS, Capability.SNAPSHOT_MEMORY, Capability.ANTI_AFFINITY));

  private static final Map<String, String> SETTINGS = new LinkedHashMap<>();

  static {
    SETTINGS.put("service_offering", "the service offering of nodes that name no type, by name or id");
    SETTINGS.put("zone", "the zone VMs are made in, by name or id; needed when the cloud has several");
    SETTINGS.put("network", "the ids of the networks VMs attach to, comma-separated; needed where the zone has several");
    SETTINGS.put("max_parallel", "how many calls run at once when many VMs are created or acted on (default 8)");
    SETTINGS.put("vm_snapshot_max", "how many VM snapshots a VM may have; by default the cloud's vmsnapshot.max where the key may read it (an admin's), else 10");
    SETTINGS.put("page_size", "how many objects a list asks for per page (default 500; at most the cloud's default.page.size)");
    SETTINGS.put("max_list_items", "the most objects one list may hold before it is refused as endless (default 20000)");
    SETTINGS.put("expunge", "whether destroyed VMs are expunged at once, so they stop counting against the account's"
        + " limits: by default where the key is a root admin's; true also where a user may"
        + " (allow.user.expunge.recover.vm), warning where not; false keeps them recoverable until the cloud expunges"
        + " them");
    SETTINGS.put("job_millis", "how long the cloud's asynchronous jobs take at first guess, in milliseconds (by"
        + " default 4000 for a deploy, 3000 for a destroy, 2000 for the rest); each is then learnt from the jobs seen to end");
    SETTINGS.put("list_all", "true for an admin's key to list every account's VMs (listall), not only its own");
  }

  /** For {@link java.util.ServiceLoader}. */
  public CloudStackProviderFactory() {}

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "Apache CloudStack clouds (jclouds cloudstack and signed query API)";
  }

  @Override
  public Map<String, String> settings() {
    return SETTINGS;
  }

  /** The whole-number setting {@code key} of {@code profile}, from 1 to {@code max}; empty when unset. */
  static java.util.Optional<Integer> number(Profile profile, String key, int max) {
    java.util.OptionalInt n = profile.number(key, max);
    return n.isPresent() ? java.util.Optional.of(n.getAsInt()) : java.util.Optional.empty();
  }

  @Override
  public Provider open(Profile profile) {
    String at = "profiles." + profile.name() + ".auth.";
    URI endpoint = Endpoints.http(profile.endpoint().orElseThrow(() -> new ConfigurationException(null, at + "api_url",
        "is missing; give the API URL, such as https://cloud.example.org/client/api")), at + "api_url");
    String apiKey = profile.identity().orElseThrow(() -> new ConfigurationException(null, at + "api_key", "is missing;"
        + " copy it from the CloudStack UI (your user, Generate keys)"));
    Secret secretKey = profile.secret().orElseThrow(() -> new ConfigurationException(null, at + "secret_key",
        "is missing; it comes with the api_key"));
    Transport transport = Transport.of(profile);
    CsClient client = new CsClient(endpoint, apiKey, secretKey, transport, ID, profile.name(), Clock.systemUTC());
    return new CloudStackProvider(client, () -> CsJclouds.open(client, apiKey, secretKey, transport), profile);
  }
}
