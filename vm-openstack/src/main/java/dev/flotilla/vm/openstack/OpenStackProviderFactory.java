package dev.flotilla.vm.openstack;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.jclouds.CheckedHttpModule;
import dev.flotilla.vm.jclouds.QuietLogging;
import dev.flotilla.vm.openstack.internal.NovaAnswers;
import dev.flotilla.vm.openstack.internal.Keystone;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.ProviderFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.jclouds.Constants;
import org.jclouds.ContextBuilder;
import org.jclouds.openstack.nova.v2_0.NovaApiMetadata;

/**
 * OpenStack clouds, on jclouds {@code openstack-nova} (api id {@code openstack}). A profile comes from
 * cloud.json or from an OpenStack RC file: the auth URL, user, password, project, domains and region.
 * Opening a provider builds nothing: jclouds' context is built on the first call, once per profile.
 */
public final class OpenStackProviderFactory implements ProviderFactory {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OpenStackProviderFactory.class);

  /** The api id. */
  public static final String ID = "openstack";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "OpenStack Nova clouds, Keystone v3 or v2 (jclouds openstack-nova)";
  }

  @Override
  public Map<String, String> settings() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("flavor", "the flavor of nodes that name no type and no size, such as m1.small");
    out.put("network", "network ids (comma separated) servers attach to; without it Nova picks the project's only one");
    out.put("floating_ip_pool", "the pool floating IPs come from; without it, the cloud's default pool");
    out.put("proxy", "host:port of an HTTP proxy every request to the cloud goes through");
    out.put("max_list_items", "the most servers or images one listing may hold before it is refused as endless"
        + " (default 20000)");
    out.put("max_parallel", "how many per-server requests (create, start, stop, delete) go at once (default 8)");
    return out;
  }

  @Override
  public Provider open(Profile profile) {
    Keystone keystone = Keystone.of(profile);
    Secret secret = profile.secret().orElseThrow(() -> new ConfigurationException(null, "profiles." + profile.name()
        + ".auth.password", "is missing; set it, or export OS_PASSWORD"));
    java.util.Optional<String[]> proxy = profile.setting("proxy").map(p -> {
      int colon = p.lastIndexOf(':');
      if (colon <= 0 || !p.substring(colon + 1).matches("[0-9]{1,5}")) {
        throw new ConfigurationException(null, "profiles." + profile.name() + ".auth.proxy", "is '" + p + "'; write"
            + " it as host:port, such as proxy.example.org:3128");
      }
      return new String[] {p.substring(0, colon), p.substring(colon + 1)};
    });
    OpenStackSettings settings = new OpenStackSettings(profile);
    settings.maxParallel(); // a bad value is named now, not at the first create
    Transport transport = Transport.of(profile);
    java.net.URI keystoneUrl = java.net.URI.create(keystone.endpoint());
    if ("http".equals(keystoneUrl.getScheme()) && !loopback(keystoneUrl.getHost())) {
      LOG.warn("profile {} sends its password to {} over plain http, unencrypted; use the https URL of Keystone",
          profile.name(), keystoneUrl.getHost());
    }
    return new OpenStackProvider(settings, () -> {
      Properties overrides = new Properties();
      overrides.putAll(keystone.overrides());
      // Retries belong to Flotilla's core, with backoff and a budget; jclouds' would multiply them.
      overrides.setProperty(Constants.PROPERTY_MAX_RETRIES, "0");
      overrides.putAll(CheckedHttpModule.overrides(transport));
      proxy.ifPresent(hostPort -> {
        overrides.setProperty(Constants.PROPERTY_PROXY_HOST, hostPort[0]);
        overrides.setProperty(Constants.PROPERTY_PROXY_PORT, hostPort[1]);
      });
      return ContextBuilder.newBuilder(new NovaApiMetadata()).endpoint(keystone.endpoint())
          .credentials(keystone.identity(), secret.reveal()).overrides(overrides)
          .modules(List.of(new QuietLogging(), new CheckedHttpModule(new NovaAnswers(), transport)));
    });
  }

  private static boolean loopback(String host) {
    return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
  }
}
