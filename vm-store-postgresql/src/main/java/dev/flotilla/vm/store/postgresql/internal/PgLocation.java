package dev.flotilla.vm.store.postgresql.internal;

import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.postgresql.jdbcurlresolver.PgPassParser;

/**
 * Where a store is and who connects, from a libpq-style URL ({@code postgresql://user@host:port/db?schema=s})
 * and the libpq variables ({@code PGHOST}, {@code PGPORT}, {@code PGDATABASE}, {@code PGUSER},
 * {@code PGPASSWORD}), the password last from the pgpass file ({@code PGPASSFILE} or {@code ~/.pgpass}) as
 * psql finds it. Shown without the password, always.
 */
public final class PgLocation {
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final String host;
  private final int port;
  private final String database;
  private final String user;
  private final Secret password;
  private final String schema;
  private final Map<String, String> driverOptions;

  private PgLocation(String host, int port, String database, String user, Secret password, String schema,
      Map<String, String> driverOptions) {
    this.host = host;
    this.port = port;
    this.database = database;
    this.user = user;
    this.password = password;
    this.schema = schema;
    this.driverOptions = driverOptions;
  }

  /**
   * Reads {@code url} with {@code env}'s defaults.
   *
   * @throws ConfigurationException naming the field {@code store} for a URL that cannot be read
   */
  public static PgLocation parse(String url, Map<String, String> env) {
    URI uri;
    try {
      String text = url.trim();
      uri = new URI(text.endsWith("://") ? text + "/" : text); // libpq's bare "postgresql://" takes every default
    } catch (URISyntaxException e) {
      throw bad("'" + redact(url) + "' is not a URL (" + e.getReason() + "); write postgresql://USER@HOST:PORT/DATABASE");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
      throw bad("'" + redact(url) + "' is not a postgresql:// URL");
    }
    if (uri.getRawAuthority() != null && uri.getHost() == null) {
      throw bad("'" + redact(url) + "' has no host and port that can be read ('" + redact("//" + uri.getRawAuthority())
          .substring(2) + "'); write postgresql://USER@HOST:PORT/DATABASE");
    }
    Map<String, String> query = query(uri.getRawQuery());
    String user = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : null;
    }
    user = first(user, query.remove("user"), env.get("PGUSER"), System.getProperty("user.name"));
    password = first(password, query.remove("password"), env.get("PGPASSWORD"));
    String host = first(uri.getHost(), env.get("PGHOST"), "localhost");
    if (host.startsWith("/")) {
      throw bad("PGHOST names a socket folder (" + host + "); Java connects over TCP: give a host name or address");
    }
    int port = uri.getPort() > 0 ? uri.getPort() : port(env.get("PGPORT"));
    if (port < 1 || port > 65535) {
      throw bad("port " + port + " of '" + redact(url) + "' is not a TCP port (1 to 65535)");
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    String database = first(path.isEmpty() ? null : path, env.get("PGDATABASE"), user);
    String schema = first(query.remove("schema"), query.remove("currentSchema"), "public");
    if (!IDENTIFIER.matcher(schema).matches()) {
      throw bad("schema '" + schema + "' must be a lower-case SQL name (letters, digits, _), such as flotilla");
    }
    if (password == null) {
      password = PgPassParser.getPassword(host, Integer.toString(port), database, user);
    }
    return new PgLocation(host, port, database, user, password == null ? null : Secret.of(password), schema, query);
  }

  private static ConfigurationException bad(String problem) {
    return new ConfigurationException(null, "store", problem);
  }

  private static int port(String value) {
    if (value == null || value.isBlank()) {
      return 5432;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw bad("PGPORT '" + value + "' is not a port number");
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw != null && !raw.isEmpty()) {
      for (String pair : raw.split("&")) {
        String[] kv = pair.split("=", 2);
        out.put(decode(kv[0]), kv.length > 1 ? decode(kv[1]) : "");
      }
    }
    return out;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    for (T v : values) {
      if (v != null && !(v instanceof String s && s.isBlank())) {
        return v;
      }
    }
    return null;
  }

  /** {@code url} with any password replaced by {@code ****}, for messages about a URL that cannot be read. */
  public static String redact(String url) {
    return url.replaceAll("(//[^/@:]*:)[^/@]*@", "$1****@").replaceAll("(?i)(password=)[^&]*", "$1****");
  }

  /** The JDBC URL, without user or password. */
  public String jdbcUrl() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "jdbc:postgresql://" + h + ":" + port + "/"
        + java.net.URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The driver's connection properties: user, password, timeouts, the schema, and the URL's other options. */
  public Properties driverProperties(String applicationName) {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null) {
      p.setProperty("password", password.reveal());
    }
    p.setProperty("ApplicationName", applicationName);
    p.setProperty("currentSchema", schema);
    p.setProperty("connectTimeout", "10");
    p.setProperty("loginTimeout", "10");
    p.setProperty("socketTimeout", "120");
    p.setProperty("tcpKeepAlive", "true");
    driverOptions.forEach(p::setProperty);
    return p;
  }

  /** Whether a password was found (in the URL, PGPASSWORD or the pgpass file). */
  public boolean hasPassword() {
    return password != null;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String database() {
    return database;
  }

  public String user() {
    return user;
  }

  public String schema() {
    return schema;
  }

  /** {@code postgresql://user@host:port/database}, and {@code ?schema=} when it is not {@code public}. */
  @Override
  public String toString() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "postgresql://" + user + "@" + h + ":" + port + "/" + database
        + (schema.equals("public") ? "" : "?schema=" + schema);
  }
}
