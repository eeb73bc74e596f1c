package dev.flotilla.vm.stratuslab;

import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.stratuslab.internal.XmlRpcClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real OpenNebula that real-cloud/test.sh starts from ../shared/opennebula on 127.0.0.1: its endpoint
 * and {@code one_auth} file (system properties {@code opennebula.endpoint}, {@code opennebula.home}), and
 * what the tests need in it besides what up.sh makes: an image, StratusLab's {@code public} network, and
 * two more users (one with a VMS quota). Fixtures are made with raw XML-RPC calls, never through the
 * adapter under test, and are kept across runs.
 */
final class RealOne {
  /** The image the tests boot, in datastore 1 (dummy drivers: READY at once). */
  static final String IMAGE = "flotilla-it";
  /** Another user, whose VMs the tests' user must not see or touch. */
  static final String OTHER_USER = "flotilla-other";
  /** A user whose VMS quota is 1. */
  static final String QUOTA_USER = "flotilla-quota";
  /** The password of both. */
  static final String USER_PASSWORD = "flotilla-it-password";

  private static String imageId;

  private RealOne() {}

  static URI endpoint() {
    return URI.create(System.getProperty("opennebula.endpoint", "http://127.0.0.1:2633/RPC2"));
  }

  /** Where up.sh unpacked OpenNebula (its one_auth and its Ruby OCA live there). */
  static Path home() {
    return Path.of(System.getProperty("opennebula.home", "/tmp/flotilla-opennebula"));
  }

  /** {@code oneadmin:PASSWORD}, from up.sh's one_auth. */
  static String session() {
    Path auth = home().resolve("one_auth");
    try {
      return Files.readString(auth, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(auth + " is missing: start OpenNebula with vm-stratuslab/real-cloud/test.sh", e);
    }
  }

  /** A StratusLab profile for oneadmin at {@code endpoint}, VMs with a tenth of a CPU (the host has 8). */
  static Profile.Builder profile(URI endpoint) {
    String[] auth = session().split(":", 2);
    return profile(endpoint, auth[0], auth[1]);
  }

  static Profile.Builder profile(URI endpoint, String user, String password) {
    return Profile.builder("one", "stratuslab").endpoint(endpoint.toString())
        .credentials(user, Secret.of(password)).defaultImage(image()).defaultOption("CPU", "0.1");
  }

  /** The test network's address range: oned leases from it in turn, so a long-lived oned passes 10.158.75.255. */
  private static final String FIRST_ADDRESS = "10.158.75.10";
  private static final int ADDRESSES = 250;

  /** Whether {@code ip} is one of the addresses the test network leases. */
  static boolean isLeasedFromPublicNetwork(String ip) {
    long offset = ipv4(ip) - ipv4(FIRST_ADDRESS);
    return offset >= 0 && offset < ADDRESSES;
  }

  private static long ipv4(String ip) {
    String[] parts = ip.split("\\.");
    if (parts.length != 4) {
      throw new AssertionError("not an IPv4 address: " + ip);
    }
    long value = 0;
    for (String part : parts) {
      value = value * 256 + Integer.parseInt(part);
    }
    return value;
  }

  /** The test image's id, made on first use. */
  static synchronized String image() {
    if (imageId == null) {
      imageId = ensure("one.imagepool.info", IMAGE, () -> call("one.image.allocate", "NAME = \"" + IMAGE + "\"\n"
          + "PATH = \"/dev/null\"\nSIZE = \"64\"\nTYPE = \"OS\"\n", 1, false));
      ensure("one.vnpool.info", "public", () -> call("one.vn.allocate", "NAME = \"public\"\nVN_MAD = \"dummy\"\n"
          + "BRIDGE = \"br0\"\nAR = [ TYPE = \"IP4\", IP = \"" + FIRST_ADDRESS + "\", SIZE = \"" + ADDRESSES
          + "\" ]\n", -1));
      awaitNetworkReady();
      ensureUser(OTHER_USER, null);
      ensureUser(QUOTA_USER, "VM = [ VMS = \"1\", CPU = \"-1\", MEMORY = \"-1\", RUNNING_VMS = \"-1\","
          + " RUNNING_CPU = \"-1\", RUNNING_MEMORY = \"-1\", SYSTEM_DISK_SIZE = \"-1\" ]");
    }
    return imageId;
  }

  /** oned leases addresses of a network only once it is READY (a VM allocated before fails to get one). */
  private static void awaitNetworkReady() {
    for (int i = 0; i < 600; i++) {
      String pool = (String) call("one.vnpool.info", -2, -1, -1);
      Matcher m = Pattern.compile("<NAME>public</NAME>.*?<STATE>(\\d+)</STATE>", Pattern.DOTALL).matcher(pool);
      if (!m.find() || m.group(1).equals("1")) {
        return; // no STATE (older oned): ready when made
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
    throw new IllegalStateException("the network 'public' never became READY");
  }

  private static void ensureUser(String name, String quota) {
    String id = ensure("one.userpool.info", name, () -> call("one.user.allocate", name, USER_PASSWORD, "core", List.of()));
    if (quota != null) {
      call("one.user.quota", Integer.parseInt(id), quota);
    }
    // may use the test image, as a user of the cloud would
    call("one.image.chmod", Integer.parseInt(imageId), -1, -1, -1, -1, -1, -1, 1, -1, -1);
  }

  /** The id of the object called {@code name} in {@code pool}, made by {@code make} when absent. */
  private static String ensure(String pool, String name, java.util.function.Supplier<Object> make) {
    boolean users = pool.equals("one.userpool.info");
    String xml = (String) (users ? call(pool) : call(pool, -2, -1, -1));
    String element = users ? "<USER>" : pool.equals("one.vnpool.info") ? "<VNET>" : "<IMAGE>";
    for (String entry : xml.split(element)) {
      Matcher id = Pattern.compile("^<ID>(\\d+)</ID>").matcher(entry);
      Matcher named = Pattern.compile("<NAME>([^<]*)</NAME>").matcher(entry);
      if (id.find() && named.find() && named.group(1).equals(name)) {
        return id.group(1);
      }
    }
    return String.valueOf(make.get());
  }

  /** oned's answer to one raw call as oneadmin: the result of {@code [true, result, ...]}, else an error. */
  static Object call(String method, Object... params) {
    return callAs(session(), method, params);
  }

  static Object callAs(String session, String method, Object... params) {
    Object[] all = new Object[params.length + 1];
    all[0] = session;
    System.arraycopy(params, 0, all, 1, params.length);
    List<?> answer = (List<?>) rpc().call(method, all);
    if (!Boolean.TRUE.equals(answer.get(0))) {
      throw new IllegalStateException(method + ": " + answer.get(1));
    }
    return answer.get(1);
  }

  /** One HTTP client for every call: a new one per call leaves a selector thread behind each time. */
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static XmlRpcClient rpc() {
    return new XmlRpcClient(endpoint(), HTTP, null, 64 << 20, Transport.DEFAULT, "stratuslab",
        "real-opennebula");
  }

  /** {@code [STATE, LCM_STATE]} of VM {@code id}, from oned's own one.vm.info. */
  static int[] state(String id) {
    String xml = (String) call("one.vm.info", Integer.parseInt(id));
    Matcher m = Pattern.compile("<STATE>(\\d+)</STATE><LCM_STATE>(\\d+)</LCM_STATE>").matcher(xml);
    if (!m.find()) {
      throw new IllegalStateException("no STATE in " + xml);
    }
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  /** The VM's XML, as one.vm.info answers it. */
  static String vmXml(String id) {
    return (String) call("one.vm.info", Integer.parseInt(id));
  }
}
