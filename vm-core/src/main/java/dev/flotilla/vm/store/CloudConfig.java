package dev.flotilla.vm.store;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.VmException;
import dev.flotilla.vm.support.Json;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.internal.ProviderRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Profiles from the places people keep cloud credentials: a LEAP-style {@code cloud.json}, the AWS
 * variables ({@code AWS_ACCESS_KEY_ID}...), and an OpenStack RC file or its {@code OS_*} variables.
 *
 * <p>A {@code cloud.json} holds one entry per profile:
 *
 * <pre>{@code
 * {
 *   "aws-prod": {
 *     "api": "aws", "vendor": "aws",
 *     "auth": {"region": "us-west-2", "aws_access_key_id": "AKIA...", "aws_secret_access_key": "..."},
 *     "default_image": "ami-98e114f8",
 *     "default_options": {"InstanceType": "t2.small"}
 *   }
 * }
 * }</pre>
 *
 * OpenStack's {@code auth} takes {@code auth_url}, {@code username}, {@code password}, {@code
 * project_name}, {@code user_domain_name}, {@code project_domain_name}, {@code region_name}, {@code
 * identity_api_version}, and optionally the default {@code flavor}, the {@code network} (ids, comma
 * separated) servers attach to, the {@code floating_ip_pool}, an HTTP {@code proxy} ({@code host:port}) and
 * {@code max_parallel} (per-server requests at once);
 * StratusLab's takes {@code endpoint}, {@code username} and {@code password}, or
 * {@code certificate} and {@code certificate_password}, and the settings its factory documents. Other
 * providers take the settings their factory declares. Every api also takes the transport's deadlines, in
 * seconds: {@code connect_timeout}, {@code idle_timeout} and {@code request_timeout}. Files holding secrets that others can read are reported in {@link #warnings()}.
 */
public final class CloudConfig {
  private static final Logger LOG = LoggerFactory.getLogger(CloudConfig.class);
  private static final List<String> PROFILE_KEYS = List.of("api", "vendor", "auth", "default_image", "default_options",
      "default_lease", "fallback", "zones");

  /** How an {@code auth} key maps onto a profile. */
  private enum Target { REGION, ENDPOINT, IDENTITY, SECRET, SETTING, SECRET_SETTING }

  private record Key(String name, Target target, boolean required) {}

  private static final Map<String, List<Key>> AUTH = Map.of(
      "aws", List.of(new Key("region", Target.REGION, true), new Key("aws_access_key_id", Target.IDENTITY, true),
          new Key("aws_secret_access_key", Target.SECRET, true), new Key("endpoint", Target.ENDPOINT, false)),
      "openstack", List.of(new Key("auth_url", Target.ENDPOINT, true), new Key("username", Target.IDENTITY, true),
          new Key("password", Target.SECRET, true), new Key("project_name", Target.SETTING, false),
          new Key("user_domain_name", Target.SETTING, false), new Key("project_domain_name", Target.SETTING, false),
          new Key("region_name", Target.REGION, false), new Key("identity_api_version", Target.SETTING, false),
          new Key("flavor", Target.SETTING, false), new Key("network", Target.SETTING, false),
          new Key("floating_ip_pool", Target.SETTING, false), new Key("proxy", Target.SETTING, false),
          new Key("max_parallel", Target.SETTING, false)),
      "cloudstack", List.of(new Key("api_url", Target.ENDPOINT, true), new Key("api_key", Target.IDENTITY, true),
          new Key("secret_key", Target.SECRET, true), new Key("zone", Target.SETTING, false),
          new Key("service_offering", Target.SETTING, false),
          new Key("network", Target.SETTING, false), new Key("max_parallel", Target.SETTING, false),
          new Key("expunge", Target.SETTING, false), new Key("vm_snapshot_max", Target.SETTING, false)),
      "stratuslab", List.of(new Key("endpoint", Target.ENDPOINT, true), new Key("username", Target.IDENTITY, false),
          new Key("password", Target.SECRET, false), new Key("certificate", Target.SETTING, false),
          new Key("certificate_password", Target.SECRET_SETTING, false),
          new Key("opennebula_version", Target.SETTING, false), new Key("network", Target.SETTING, false),
          new Key("public_key", Target.SETTING, false), new Key("marketplace", Target.SETTING, false),
          new Key("instance_types", Target.SETTING, false), new Key("destroy", Target.SETTING, false),
          new Key("max_parallel", Target.SETTING, false), new Key("max_answer_bytes", Target.SETTING, false),
          new Key("placement_timeout", Target.SETTING, false)));

  /** The keys every api's auth takes besides its own: the transport's deadlines. */
  private static final List<Key> COMMON = Transport.SETTINGS.stream().map(k -> new Key(k, Target.SETTING, false))
      .toList();

  /** The top-level key that names where node records are kept instead of a profile. */
  public static final String STORE_KEY = "store";

  private final List<Profile> profiles;
  private final List<String> warnings;
  private final String store;

  private CloudConfig(List<Profile> profiles, List<String> warnings) {
    this(profiles, warnings, null);
  }

  private CloudConfig(List<Profile> profiles, List<String> warnings, String store) {
    this.profiles = List.copyOf(profiles);
    this.warnings = List.copyOf(warnings);
    this.store = store;
  }

  /** No profiles. */
  public static CloudConfig empty() {
    return new CloudConfig(List.of(), List.of());
  }

  /**
   * Reads {@code file}, checking each profile's api against the providers installed on the class path.
   *
   * @throws ConfigurationException naming the file, the field and the fix for malformed JSON (with line
   *     and column), a missing or unknown key (the nearest known one suggested), a wrong type or an api
   *     that is not installed (the installed ones listed)
   */
  public static CloudConfig load(Path file) {
    return load(file, ProviderRegistry.load(CloudConfig.class.getClassLoader()).ids());
  }

  /** Reads {@code file}, accepting the apis in {@code installedApis}. */
  public static CloudConfig load(Path file, Collection<String> installedApis) {
    String text;
    try {
      text = Json.readFile(file, 1 << 20); // profiles of a few hundred bytes each: a megabyte is thousands
    } catch (NoSuchFileException e) {
      throw new ConfigurationException(file, null, "there is no such file; create it, or point to the directory that"
          + " holds cloud.json");
    }
    JsonObject root = Json.parseObject(text, file);
    List<Profile> profiles = new ArrayList<>();
    String store = null;
    for (Map.Entry<String, JsonElement> e : root.entrySet()) {
      if (e.getKey().equals(STORE_KEY)) {
        if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()
            || e.getValue().getAsString().isBlank()) {
          throw new ConfigurationException(file, STORE_KEY, "is where node records are kept: a directory or a URL"
              + " such as \"postgresql://db.example.org/flotilla\", not " + (e.getValue().isJsonPrimitive()
              && e.getValue().getAsJsonPrimitive().isString() ? "an empty string" : Json.kind(e.getValue()))
              + " (a profile cannot be called 'store')");
        }
        store = e.getValue().getAsString().trim();
        continue;
      }
      profiles.add(profile(file, e.getKey(), Json.object(e.getValue(), file, e.getKey()), installedApis));
    }
    List<String> names = profiles.stream().map(Profile::name).toList();
    for (Profile p : profiles) {
      p.fallback().stream().filter(f -> !names.contains(f)).findFirst().ifPresent(f -> {
        throw new ConfigurationException(file, p.name() + ".fallback", "names '" + f + "', which is not a profile"
            + " here; it has " + names + ". Fix the name, or add that profile");
      });
    }
    List<String> warnings = new ArrayList<>();
    if (profiles.stream().anyMatch(CloudConfig::holdsSecrets)) {
      readableByOthers(file).ifPresent(warnings::add);
    }
    return new CloudConfig(profiles, warnings, store);
  }

  private static Profile profile(Path file, String name, JsonObject json, Collection<String> installed) {
    for (String key : json.keySet()) {
      if (!PROFILE_KEYS.contains(key)) {
        throw Json.unknownKey(file, name + "." + key, PROFILE_KEYS.stream().map(k -> name + "." + k).toList());
      }
    }
    JsonElement apiValue = json.get("api");
    if (apiValue == null) {
      throw new ConfigurationException(file, name + ".api", "is missing; set it to one of the installed providers: "
          + installed);
    }
    String api = Json.string(apiValue, file, name + ".api");
    if (!installed.contains(api)) {
      throw new ConfigurationException(file, name + ".api", "'" + api + "' is not an installed provider; installed: "
          + installed + ". Fix the name, or add the module dev.flotilla:vm-" + api + " to the class path.");
    }
    Profile.Builder b;
    try {
      b = Profile.builder(name, api);
    } catch (ConfigurationException e) {
      throw e.inFile(file);
    }
    if (json.has("vendor")) {
      b.vendor(Json.string(json.get("vendor"), file, name + ".vendor"));
    }
    if (json.has("default_image")) {
      b.defaultImage(Json.string(json.get("default_image"), file, name + ".default_image"));
    }
    if (json.has("default_lease")) {
      String text = Json.string(json.get("default_lease"), file, name + ".default_lease");
      try {
        b.defaultLease(dev.flotilla.vm.Lease.duration(text, name + ".default_lease"));
      } catch (ConfigurationException e) {
        throw e.inFile(file);
      }
    }
    if (json.has("fallback")) {
      b.fallback(Json.strings(json.get("fallback"), file, name + ".fallback"));
    }
    if (json.has("zones")) {
      b.zones(Json.strings(json.get("zones"), file, name + ".zones"));
    }
    if (json.has("default_options")) {
      Json.stringMap(json.get("default_options"), file, name + ".default_options").forEach(b::defaultOption);
    }
    JsonObject auth = json.has("auth") ? Json.object(json.get("auth"), file, name + ".auth") : new JsonObject();
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : auth.entrySet()) {
      values.put(e.getKey(), Json.scalar(e.getValue(), file, name + ".auth." + e.getKey()));
    }
    List<Key> keys = new ArrayList<>(AUTH.containsKey(api) ? AUTH.get(api) : declaredKeys(api, values.keySet()));
    List<Key> more = new ArrayList<>(COMMON);
    if (AUTH.containsKey(api)) {
      more.addAll(declaredKeys(api, List.of())); // what the installed adapter documents besides
    }
    more.stream().filter(k -> keys.stream().noneMatch(x -> x.name().equals(k.name()))).forEach(keys::add);
    applyAuth(b, keys, values, file, name + ".auth");
    if (api.equals("stratuslab") && !(values.containsKey("username") && values.containsKey("password"))
        && !values.containsKey("certificate")) {
      throw new ConfigurationException(file, name + ".auth", "needs username and password, or certificate (a key"
          + " store file) with certificate_password");
    }
    try {
      return b.build();
    } catch (ConfigurationException e) {
      throw e.inFile(file);
    }
  }

  /** The auth keys of a provider Flotilla does not ship: those its factory declares, else whatever is given. */
  private static List<Key> declaredKeys(String api, Collection<String> given) {
    ProviderRegistry registry = ProviderRegistry.load(CloudConfig.class.getClassLoader());
    Collection<String> names = registry.ids().contains(api) ? registry.get(api).settings().keySet() : given;
    return names.stream().map(k -> new Key(k, looksSecret(k) ? Target.SECRET_SETTING : Target.SETTING, false)).toList();
  }

  private static boolean looksSecret(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    return k.contains("password") || k.contains("secret") || k.contains("token");
  }

  private static void applyAuth(Profile.Builder b, List<Key> keys, Map<String, String> values, Path file, String prefix) {
    Map<String, Key> byName = new LinkedHashMap<>();
    keys.forEach(k -> byName.put(k.name(), k));
    String identity = null;
    Secret secret = null;
    for (Map.Entry<String, String> e : values.entrySet()) {
      Key k = byName.get(e.getKey());
      if (k == null) {
        throw Json.unknownKey(file, prefix + "." + e.getKey(), keys.stream().map(x -> prefix + "." + x.name()).toList());
      }
      String v = e.getValue();
      switch (k.target()) {
        case REGION -> b.region(v);
        case ENDPOINT -> b.endpoint(v);
        case IDENTITY -> identity = v;
        case SECRET -> secret = Secret.of(v);
        case SETTING -> b.setting(k.name(), v);
        default -> b.secretSetting(k.name(), Secret.of(v));
      }
    }
    for (Key k : keys) {
      if (k.required() && !values.containsKey(k.name())) {
        throw new ConfigurationException(file, prefix + "." + k.name(), "is missing; add it to the profile's auth");
      }
    }
    b.credentials(identity, secret);
  }

  /**
   * Profiles from environment variables: {@code aws} when {@code AWS_ACCESS_KEY_ID} and {@code
   * AWS_SECRET_ACCESS_KEY} are set (region from {@code AWS_REGION} or {@code AWS_DEFAULT_REGION}, endpoint
   * from {@code AWS_ENDPOINT_URL}), and {@code openstack} when {@code OS_AUTH_URL} is set (the variables an
   * OpenStack RC file exports).
   */
  public static CloudConfig fromEnvironment(Map<String, String> env) {
    List<Profile> out = new ArrayList<>();
    if (env.containsKey("AWS_ACCESS_KEY_ID") && env.containsKey("AWS_SECRET_ACCESS_KEY")) {
      Profile.Builder b = Profile.builder("aws", "aws").vendor("aws")
          .credentials(env.get("AWS_ACCESS_KEY_ID"), Secret.of(env.get("AWS_SECRET_ACCESS_KEY")))
          .region(env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION"))).endpoint(env.get("AWS_ENDPOINT_URL"));
      out.add(b.build());
    }
    if (env.containsKey("OS_AUTH_URL")) {
      out.add(openstack("openstack", env, null));
    }
    return new CloudConfig(out, List.of());
  }

  /**
   * The {@code openstack} profile an OpenStack RC file exports ({@code export OS_AUTH_URL=...}). A value
   * that names another variable ({@code OS_PASSWORD=$OS_PASSWORD_INPUT}, as Horizon's files do after
   * asking for the password) is taken from {@code env}.
   */
  public static CloudConfig fromOpenRc(Path file, Map<String, String> env) {
    List<String> lines;
    try {
      lines = Json.readFile(file, 256 * 1024).lines().toList();
    } catch (NoSuchFileException e) {
      throw new ConfigurationException(file, null, "there is no such file; download the RC file from the dashboard's"
          + " API Access page");
    }
    Map<String, String> vars = new LinkedHashMap<>();
    boolean passwordInFile = false;
    for (String line : lines) {
      String l = line.strip();
      if (l.startsWith("export ")) {
        l = l.substring("export ".length()).strip();
      }
      int eq = l.indexOf('=');
      if (l.startsWith("OS_") && eq > 0) {
        String name = l.substring(0, eq);
        String value = unquote(l.substring(eq + 1).strip());
        if (value.startsWith("$")) {
          value = env.getOrDefault(value.substring(1).replace("{", "").replace("}", ""), "");
        } else if (name.equals("OS_PASSWORD") && !value.isEmpty()) {
          passwordInFile = true;
        }
        vars.put(name, value);
      }
    }
    if (!vars.containsKey("OS_AUTH_URL")) {
      throw new ConfigurationException(file, "OS_AUTH_URL", "is not set; is this an OpenStack RC file? Download it"
          + " from the dashboard's API Access page");
    }
    List<String> warnings = new ArrayList<>();
    if (passwordInFile) {
      readableByOthers(file).ifPresent(warnings::add);
    }
    return new CloudConfig(List.of(openstack("openstack", vars, file)), warnings);
  }

  private static Profile openstack(String name, Map<String, String> vars, Path file) {
    String password = vars.get("OS_PASSWORD");
    Profile.Builder b = Profile.builder(name, "openstack").vendor("openstack").endpoint(vars.get("OS_AUTH_URL"))
        .region(vars.get("OS_REGION_NAME"))
        .credentials(vars.get("OS_USERNAME"), password == null || password.isEmpty() ? null : Secret.of(password));
    String project = vars.getOrDefault("OS_PROJECT_NAME", vars.get("OS_TENANT_NAME"));
    putIfSet(b, "project_name", project);
    putIfSet(b, "user_domain_name", vars.get("OS_USER_DOMAIN_NAME"));
    putIfSet(b, "project_domain_name", vars.get("OS_PROJECT_DOMAIN_NAME"));
    putIfSet(b, "identity_api_version", vars.get("OS_IDENTITY_API_VERSION"));
    if (vars.get("OS_USERNAME") == null) {
      throw new ConfigurationException(file, "OS_USERNAME", "is not set; export it with the OpenStack user name");
    }
    return b.build();
  }

  private static void putIfSet(Profile.Builder b, String key, String value) {
    if (value != null && !value.isEmpty()) {
      b.setting(key, value);
    }
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }

  private static boolean holdsSecrets(Profile p) {
    return p.secret().isPresent() || !p.secretSettings().isEmpty();
  }

  /** A warning when {@code file} can be read by its group or by others. */
  private static Optional<String> readableByOthers(Path file) {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException | IOException e) {
      return Optional.empty();
    }
    if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
      String warning = file + " holds secrets and can be read by others (" + PosixFilePermissions.toString(perms)
          + "); run: chmod 600 " + file;
      LOG.warn(warning);
      return Optional.of(warning);
    }
    return Optional.empty();
  }

  /** These profiles followed by {@code other}'s; a name in both is an error. */
  public CloudConfig plus(CloudConfig other) {
    List<Profile> all = new ArrayList<>(profiles);
    for (Profile p : other.profiles) {
      if (profile(p.name()).isPresent()) {
        throw new ConfigurationException(null, p.name(), "profile '" + p.name() + "' is defined twice (in cloud.json"
            + " and the environment, say); rename one of them");
      }
      all.add(p);
    }
    List<String> w = new ArrayList<>(warnings);
    w.addAll(other.warnings);
    return new CloudConfig(all, w, store != null ? store : other.store);
  }

  /**
   * Where cloud.json says node records are kept (its top-level {@code "store"}: a directory, or a URL such as
   * {@code postgresql://db.example.org/flotilla}); empty when it does not say, and records are in {@code nodes/}.
   */
  public Optional<String> store() {
    return Optional.ofNullable(store);
  }

  /** The profiles, in the order they were given. */
  public List<Profile> profiles() {
    return profiles;
  }

  /** The profile called {@code name}. */
  public Optional<Profile> profile(String name) {
    return profiles.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  /** Problems worth telling the user that do not stop the load, such as a secret file others can read. */
  public List<String> warnings() {
    return warnings;
  }

  @Override
  public String toString() {
    return "CloudConfig" + profiles;
  }
}
