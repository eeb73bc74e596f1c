package dev.flotilla.vm.openstack.internal;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import java.util.Properties;

/**
 * How a profile logs in to Keystone, in jclouds' terms. Keystone v3 (the default) scopes the token to a
 * project in a domain and names the user as {@code userDomain:user}; v2 (old clouds) names it as
 * {@code tenant:user}. The version comes from the profile's {@code identity_api_version}, else from the
 * auth URL ({@code .../v2.0} or {@code .../v3}).
 *
 * @param endpoint the auth URL with its version path, as jclouds wants it
 * @param identity jclouds' identity string
 * @param version 2 or 3
 * @param overrides the jclouds properties that choose the version and scope
 */
public record Keystone(String endpoint, String identity, int version, Properties overrides) {
  /** The login of {@code profile}; every missing or wrong value is named. */
  public static Keystone of(Profile profile) {
    String at = "profiles." + profile.name() + ".auth.";
    String url = profile.endpoint().orElseThrow(() -> new ConfigurationException(null, at + "auth_url", "is missing;"
        + " copy OS_AUTH_URL from the cloud's RC file, such as https://keystone.example.org:5000/v3")).strip();
    dev.flotilla.vm.support.Endpoints.http(url, at + "auth_url");
    String user = profile.identity().orElseThrow(() -> new ConfigurationException(null, at + "username", "is missing"));
    String project = profile.setting("project_name").orElseThrow(() -> new ConfigurationException(null,
        at + "project_name", "is missing; name the project (tenant) the servers belong to (OS_PROJECT_NAME)"));
    int version = version(profile, url, at);
    String base = url.replaceAll("/+$", "").replaceAll("/(v2\\.0|v3)$", "");
    Properties p = new Properties();
    p.setProperty("jclouds.keystone.version", Integer.toString(version));
    if (version == 2) {
      p.setProperty("jclouds.keystone.credential-type", "passwordCredentials");
      return new Keystone(base + "/v2.0", project + ":" + user, 2, p);
    }
    p.setProperty("jclouds.keystone.scope", "project:" + project);
    p.setProperty("jclouds.keystone.project-domain-name", profile.setting("project_domain_name").orElse("Default"));
    return new Keystone(base + "/v3", profile.setting("user_domain_name").orElse("Default") + ":" + user, 3, p);
  }

  private static int version(Profile profile, String url, String at) {
    String v = profile.setting("identity_api_version").orElse(url.matches(".*/v2\\.0/*$") ? "2" : "3");
    return switch (v.strip()) {
      case "2", "2.0" -> 2;
      case "3" -> 3;
      default -> throw new ConfigurationException(null, at + "identity_api_version", "is '" + v + "'; use 3 (Keystone"
          + " v3, every current cloud) or 2 (Keystone v2.0, clouds older than Queens)");
    };
  }
}
