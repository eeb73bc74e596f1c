package dev.flotilla.vm.stratuslab;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.support.Endpoints;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.ProviderFactory;
import dev.flotilla.vm.stratuslab.internal.OneApi;
import dev.flotilla.vm.stratuslab.internal.XmlRpcClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * StratusLab clouds and plain OpenNebula front ends, over XML-RPC (api id {@code stratuslab}).
 *
 * <p>The endpoint is a bare host, meaning the StratusLab proxy {@code https://HOST:2634/pswd/xmlrpc} with
 * HTTP Basic user and password (or {@code /cert/xmlrpc} with a client certificate from a PKCS#12 key
 * store), or a full URL such as OpenNebula's own {@code http://HOST:2633/RPC2}.
 */
public final class StratusLabProviderFactory implements ProviderFactory {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StratusLabProviderFactory.class);

  /** The api id. */
  public static final String ID = "stratuslab";

  private static final Map<String, String> SETTINGS = new LinkedHashMap<>();

  static {
    SETTINGS.put("certificate", "a PKCS#12 key store holding your client certificate, for the /cert/xmlrpc proxy path");
    SETTINGS.put("certificate_password", "the key store's password");
    SETTINGS.put("placement_timeout", "seconds a VM may stay PENDING (no host has room) before it counts as failed"
        + " for capacity and a node with a fallback or zones goes on there (default: wait for oned)");
    SETTINGS.put("opennebula_version", "the server's OpenNebula version, such as 3.2 or 6.8; asked once when unset");
    SETTINGS.put("network", "the virtual network of the VM's NIC, by name or id: public (default), local or private on"
        + " StratusLab, any network on OpenNebula, or none for no NIC");
    SETTINGS.put("public_key", "the SSH public key put in every VM's context");
    SETTINGS.put("marketplace", "the Marketplace metadata URL image ids are appended to");
    SETTINGS.put("instance_types", "replaces the guide's types: 'NAME CPU RAM_MB SWAP_MB [*]', comma-separated");
    SETTINGS.put("max_parallel", "how many calls run at once when many VMs are created or acted on (default 8)");
    SETTINGS.put("max_answer_bytes", "the largest answer accepted from the server (default 32 MiB)");
    SETTINGS.put("destroy", "kill (default: at once, releasing resources) or shutdown (graceful)");
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "StratusLab and OpenNebula clouds over XML-RPC";
  }

  @Override
  public Map<String, String> settings() {
    return SETTINGS;
  }

  @Override
  public Provider open(Profile profile) {
    StratusLabSettings settings = new StratusLabSettings(profile);
    boolean certificate = profile.setting("certificate").isPresent();
    URI endpoint = endpoint(profile, certificate);
    Transport transport = Transport.of(profile);
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(transport.connect());
    if (certificate) {
      http.sslContext(sslContext(profile));
    }
    String user = profile.identity().orElse("");
    String password = profile.secret().map(Secret::reveal).orElse("");
    String authorization = !user.isEmpty() && !password.isEmpty() ? "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) : null;
    if (authorization != null && endpoint.getScheme().equals("http") && !loopback(endpoint.getHost())) {
      LOG.warn("profile {} sends its password to {} over plain http, unencrypted; use https, or the StratusLab proxy"
          + " (a bare host name)", profile.name(), endpoint.getHost());
    }
    XmlRpcClient rpc = new XmlRpcClient(endpoint, http.build(), authorization, settings.maxAnswerBytes(), transport, ID,
        profile.name());
    OneApi.Version version = profile.setting("opennebula_version").map(OneApi.Version::parse).orElse(null);
    return new StratusLabProvider(new OneApi(rpc, user + ":" + password, version, ID), settings);
  }

  /** A bare host is the StratusLab proxy on port 2634; a URL is taken as it is. */
  static URI endpoint(Profile profile, boolean certificate) {
    String e = profile.endpoint().orElseThrow(() -> new ConfigurationException(null, "profiles." + profile.name()
        + ".endpoint", "is missing; give the StratusLab host, such as cloud.lal.stratuslab.eu, or an OpenNebula URL"
        + " such as http://one.example.org:2633/RPC2"));
    if (e.contains("://")) {
      return Endpoints.http(e, "profiles." + profile.name() + ".auth.endpoint");
    }
    String host = e.contains(":") ? e : e + ":2634";
    return URI.create("https://" + host + (certificate ? "/cert/xmlrpc" : "/pswd/xmlrpc"));
  }

  private static boolean loopback(String host) {
    return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"));
  }

  private static SSLContext sslContext(Profile profile) {
    Path store = Path.of(profile.setting("certificate").orElseThrow());
    char[] password = profile.secretSettings().getOrDefault("certificate_password", Secret.of("")).reveal().toCharArray();
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, password);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigurationException(store, "certificate", "cannot be used as a PKCS#12 key store: " + e.getMessage()
          + ". Check the file and certificate_password.");
    }
  }
}
