package dev.flotilla.vm.stratuslab;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * An OpenNebula front end in miniature, for tests: XML-RPC over HTTP on 127.0.0.1, OpenNebula's
 * {@code [ok, result, code]} envelopes, a VM state machine (PENDING, PROLOG, BOOT, RUNNING; poweroff,
 * resume, shutdown, kill to DONE; failures), system snapshots, HTTP Basic authentication on the
 * StratusLab proxy path {@code /pswd/xmlrpc}, and raw answers on demand for the error paths. A VM moves
 * one step each time it is observed, so waiting needs no clock.
 */
final class OneServer implements AutoCloseable {
  static final String USER = "alice";
  static final String PASSWORD = "s3cret-pass";
  /** The image pool: id to name. */
  static final Map<String, String> IMAGES = new java.util.TreeMap<>(Map.of("0", "ttylinux", "1", "debian-12"));

  /** One VM. */
  static final class Vm {
    final int id;
    final String name;
    final String template;
    final Map<String, String> attributes = new LinkedHashMap<>();
    final Map<Integer, String[]> snapshots = new TreeMap<>();
    /** The snapshot being taken (shown with ACTION=CREATE, as oned does), or -1. */
    int taking = -1;
    int state = 1;
    int lcm;
    boolean failBoot;
    /** When it was made, as oned's STIME says: seconds since the epoch. */
    final long stime = System.currentTimeMillis() / 1000;

    Vm(int id, String name, String template) {
      this.id = id;
      this.name = name;
      this.template = template;
    }
  }

  private final HttpServer http;
  private java.util.concurrent.ExecutorService pool;
  private final String version;
  private final int major;
  /** OpenNebula 5.10 and later: one.vmpool.info leaves out the user template; infoextended has it. */
  private final boolean reducedPool;
  final Map<Integer, Vm> vms = Collections.synchronizedMap(new TreeMap<>());
  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final List<String> templates = Collections.synchronizedList(new ArrayList<>());
  final List<String> actions = Collections.synchronizedList(new ArrayList<>());
  private final Deque<String> rawAnswers = new ArrayDeque<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  private int nextVm;
  private int snapshotClock;
  volatile boolean failBoots;
  /** How many VMs the hosts run at once; beyond, the scheduler leaves a VM PENDING, as oned's does. */
  volatile int hostRoom = Integer.MAX_VALUE;
  /** The most VMs (not DONE) the user may have, as a VMS quota; 0 for no limit. */
  volatile int vmQuota;

  private OneServer(String version) throws IOException {
    this.version = version;
    this.major = Integer.parseInt(version.split("\\.")[0]);
    int minor = Integer.parseInt(version.split("\\.")[1]);
    this.reducedPool = major > 5 || major == 5 && minor >= 10;
    this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/RPC2", ex -> handle(ex, false));
    http.createContext("/pswd/xmlrpc", ex -> handle(ex, true));
    http.setExecutor(pool = java.util.concurrent.Executors.newFixedThreadPool(16));
    http.start();
  }

  static OneServer start(String version) throws IOException {
    return new OneServer(version);
  }

  URI url(String path) {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path);
  }

  /** The next answer is {@code body}, as it is, with status {@code status}. */
  synchronized void answerNext(int status, String body) {
    rawAnswers.add(status + "\n" + body);
  }

  long count(String method) {
    synchronized (calls) {
      return calls.stream().filter(method::equals).count();
    }
  }

  /** The guest shuts itself down: OpenNebula sees ACTIVE/UNKNOWN. */
  void guestShutdown(int id) {
    Vm vm = vms.get(id);
    vm.state = 3;
    vm.lcm = 16;
  }

  @Override
  public void close() {
    http.stop(0);
    pool.shutdownNow();
  }

  // ---- the protocol ------------------------------------------------------------------------------------------

  private void handle(HttpExchange ex, boolean basic) throws IOException {
    try (ex) {
      String raw;
      synchronized (this) {
        raw = rawAnswers.poll();
      }
      if (basic && !("Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
          .equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        respond(ex, 401, "Unauthorized");
        return;
      }
      byte[] request = ex.getRequestBody().readAllBytes();
      if (raw != null) {
        int nl = raw.indexOf('\n');
        respond(ex, Integer.parseInt(raw.substring(0, nl)), raw.substring(nl + 1));
        return;
      }
      Element call = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(request))
          .getDocumentElement();
      String method = text(call, "methodName");
      List<Object> params = new ArrayList<>();
      NodeList values = call.getElementsByTagName("value");
      for (int i = 0; i < values.getLength(); i++) {
        params.add(param((Element) values.item(i)));
      }
      calls.add(method);
      respond(ex, 200, dispatch(method, params));
    } catch (Exception e) {
      respond(ex, 500, "server error: " + e);
    }
  }

  private static Object param(Element value) {
    for (Node n = value.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element t) {
        String text = t.getTextContent();
        return switch (t.getTagName()) {
          case "int", "i4" -> Integer.valueOf(text);
          case "i8" -> Long.valueOf(text);
          case "boolean" -> text.equals("1");
          default -> text;
        };
      }
    }
    return value.getTextContent();
  }

  private static String text(Element e, String tag) {
    return e.getElementsByTagName(tag).item(0).getTextContent();
  }

  private static void respond(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/xml");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private String dispatch(String method, List<Object> p) {
    if (!(USER + ":" + PASSWORD).equals(p.isEmpty() ? null : p.get(0))) {
      return fail("[" + method + "] User couldn't be authenticated, aborting call.", 0x100);
    }
    synchronized (this) {
      switch (method) {
        case "one.system.version":
          return ok(string(version));
        case "one.vm.allocate":
          return allocate(p);
        case "one.vm.info": {
          Vm vm = vms.get((Integer) p.get(1));
          if (vm == null) {
            return fail("[one.vm.info] Error getting virtual machine [" + p.get(1) + "].", 0x400);
          }
          advance(vm);
          return ok(string(xml(vm, false)));
        }
        case "one.vmpool.info", "one.vmpool.infoextended": {
          if (method.endsWith("extended") && !reducedPool) {
            return fault(-506, "Method '" + method + "' not defined");
          }
          StringBuilder pool = new StringBuilder("<VM_POOL>");
          for (Vm vm : new ArrayList<>(vms.values())) {
            advance(vm);
            if (vm.state != 6) {
              pool.append(xml(vm, reducedPool && method.equals("one.vmpool.info")));
            }
          }
          return ok(string(pool.append("</VM_POOL>").toString()));
        }
        case "one.vmpool.infoset": {
          if (major < 6) {
            return fault(-506, "Method '" + method + "' not defined");
          }
          StringBuilder pool = new StringBuilder("<VM_POOL>");
          java.util.Set<Integer> wanted = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
          for (String id : ((String) p.get(1)).split(",")) {
            if (id.trim().matches("\\d+")) {
              wanted.add(Integer.valueOf(id.trim()));
            }
          }
          for (int id : wanted) {
            Vm vm = vms.get(id);
            if (vm != null) {
              advance(vm);
              pool.append(xml(vm, !(Boolean) p.get(2)));
            }
          }
          return ok(string(pool.append("</VM_POOL>").toString()));
        }
        case "one.vm.resize": {
          Vm vm = vms.get(p.get(1));
          if (vm == null || major < 4) {
            return vm == null ? fail("[one.vm.resize] Error getting virtual machine [" + p.get(1) + "].", 0x400)
                : fail("[one.vm.resize] Method not found", 0x1000);
          }
          if (vm.state != 8) {
            return fail("[one.vm.resize] Error performing action \"resize\": This action is not available for state "
                + stateName(vm), 0x800);
          }
          actions.add("resize " + vm.id + " " + String.valueOf(p.get(2)).replace('\n', ' ').trim());
          return ok("<int>" + vm.id + "</int>");
        }
        case "one.vm.action":
          return action((String) p.get(1), (Integer) p.get(2));
        case "one.vm.update": {
          if (major < 4) {
            return fail("[one.vm.update] Unknown method", 0x1000);
          }
          Vm vm = vms.get((Integer) p.get(1));
          if (vm == null) {
            return fail("[one.vm.update] Error getting virtual machine [" + p.get(1) + "].", 0x400);
          }
          vm.attributes.putAll(attributes((String) p.get(2)));
          return ok("<int>" + vm.id + "</int>");
        }
        case "one.vm.snapshotcreate": {
          Vm vm = vms.get((Integer) p.get(1));
          if (vm == null) {
            return fail("[one.vm.snapshotcreate] Error getting virtual machine [" + p.get(1) + "].", 0x400);
          }
          if (running(p.get(1)) == null) {
            return fail("[one.vm.snapshotcreate] Could not create a new snapshot for VM " + vm.id + ", wrong state "
                + stateName(vm) + ".", 0x800);
          }
          // ids are per VM, the highest plus one: a deleted newest id is used again, as oned does
          int sid = vm.snapshots.isEmpty() ? 0 : ((TreeMap<Integer, String[]>) vm.snapshots).lastKey() + 1;
          vm.snapshots.put(sid, new String[] {(String) p.get(2), Long.toString(1_700_000_000L + 10L * vm.id
              + snapshotClock++)});
          vm.lcm = 24;
          vm.taking = sid;
          return ok("<int>" + sid + "</int>");
        }
        case "one.vm.snapshotrevert": {
          Vm vm = running(p.get(1));
          if (vm == null || !vm.snapshots.containsKey((Integer) p.get(2))) {
            return fail("[one.vm.snapshotrevert] Could not revert VM " + p.get(1) + " to snapshot " + p.get(2)
                + ", it does not exist.", 0x800);
          }
          vm.lcm = 24;
          return ok("<int>" + vm.id + "</int>");
        }
        case "one.vm.snapshotdelete": {
          Vm vm = vms.get((Integer) p.get(1));
          if (vm == null) {
            return fail("[one.vm.snapshotdelete] Error getting virtual machine [" + p.get(1) + "].", 0x400);
          }
          if (vm.snapshots.remove((Integer) p.get(2)) == null) {
            return fail("[one.vm.snapshotdelete] Could not delete snapshot " + p.get(2) + " for VM " + vm.id
                + ", it does not exist.", 0x800);
          }
          return ok("<int>" + vm.id + "</int>");
        }
        case "one.imagepool.info": {
          StringBuilder images = new StringBuilder("<IMAGE_POOL>");
          IMAGES.forEach((id, name) -> images.append("<IMAGE><ID>").append(id).append("</ID><NAME>").append(name)
              .append("</NAME><UNAME>").append(id.equals("0") ? "oneadmin" : USER).append("</UNAME></IMAGE>"));
          return ok(string(images.append("</IMAGE_POOL>").toString()));
        }
        default:
          return fail("[" + method + "] Method not found", 0x1000);
      }
    }
  }

  private Vm running(Object id) {
    Vm vm = vms.get((Integer) id);
    return vm != null && vm.state == 3 && vm.lcm == 3 ? vm : null;
  }

  private String allocate(List<Object> p) {
    if (p.size() != (major >= 4 ? 3 : 2)) {
      return fail("[one.vm.allocate] Wrong number of parameters for OpenNebula " + version, 0x1000);
    }
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      String template = (String) p.get(1);
      Map<String, String> attrs = attributes(template);
      String refused = refused(attrs);
      if (refused != null) {
        return fail("[one.vm.allocate] " + refused, 0x2000); // oned's INTERNAL, for every template it cannot use
      }
      long live = vms.values().stream().filter(v -> v.state != 6).count();
      if (vmQuota > 0 && live >= vmQuota) {
        return fail("[one.vm.allocate] User [0] : user [0] limit of " + vmQuota + " reached for VMS quota in VM.", 0x200);
      }
      templates.add(template);
      Vm vm = new Vm(nextVm++, attrs.getOrDefault("NAME", "one-" + nextVm), template);
      vm.failBoot = failBoots;
      for (String k : List.of("INSTANCE_TYPE", "FLOTILLA_TAGS")) {
        if (attrs.containsKey(k)) {
          vm.attributes.put(k, attrs.get(k));
        }
      }
      if (major >= 4 && Boolean.TRUE.equals(p.get(2))) {
        vm.state = 2; // HOLD: not scheduled until released
      }
      vms.put(vm.id, vm);
      return ok("<int>" + vm.id + "</int>");
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private String action(String action, int id) {
    actions.add(action + " " + id);
    Vm vm = vms.get(id);
    if (vm == null) {
      return fail("[one.vm.action] Error getting virtual machine [" + id + "].", 0x400);
    }
    String kill = major >= 5 ? "terminate-hard" : "finalize";
    String shutdown = major >= 5 ? "terminate" : "shutdown";
    boolean running = vm.state == 3 && vm.lcm == 3;
    if ((action.equals(kill) || action.equals(shutdown)) && vm.state == 6 && major >= 6) {
      return ok("<int>" + id + "</int>"); // oned 7.4 answers success to terminating a DONE VM
    }
    if (action.equals(kill)) {
      if (vm.state == 6) {
        return fail("[one.vm.action] Error performing action \"" + action + "\": This action is not available for state "
            + stateName(vm), 0x800);
      }
      vm.state = 6;
      vm.lcm = 0;
    } else if (action.equals(shutdown) && running) {
      vm.lcm = 12;
    } else if ((action.equals("poweroff") || action.equals("poweroff-hard") && major >= 5) && running && major >= 4) {
      vm.lcm = 18;
    } else if (action.equals("resume") && major >= 4 && (vm.state == 8 || vm.state == 3 && vm.lcm == 16)) {
      vm.state = 3;
      vm.lcm = 20;
    } else if (action.equals("release") && vm.state == 2) {
      vm.state = 1;
    } else if (action.equals("hold") && vm.state == 1) {
      vm.state = 2;
    } else if ((action.equals("reboot") || action.equals("reboot-hard") && major >= 5) && running) {
      vm.lcm = 3;
    } else if (List.of(kill, shutdown, "poweroff", "resume", "reboot", "release", "hold").contains(action)
        || (action.equals("poweroff-hard") || action.equals("reboot-hard")) && major >= 5) {
      return fail("[one.vm.action] Error performing action \"" + action + "\": This action is not available for state "
            + stateName(vm), 0x800);
    } else {
      return fail("[one.vm.action] Action '" + action + "' is not supported by OpenNebula " + version, 0x1000);
    }
    return ok("<int>" + id + "</int>");
  }

  /** One step of the VM's life, as seen by an observer. */
  private void advance(Vm vm) {
    if (vm.state == 1) {
      if (vms.values().stream().filter(v -> v.state == 3).count() >= hostRoom) {
        return; // no host has room: PENDING until one has
      }
      vm.state = 3;
      vm.lcm = 1;
    } else if (vm.state == 3) {
      switch (vm.lcm) {
        case 1 -> vm.lcm = 2;
        case 2 -> {
          if (vm.failBoot) {
            if (major >= 4) {
              vm.lcm = 14;
            } else {
              vm.state = 7;
              vm.lcm = 0;
            }
            vm.attributes.put("ERROR", "Error executing image transfer script: no space left on device");
          } else {
            vm.lcm = 3;
          }
        }
        case 12 -> {
          vm.state = 6;
          vm.lcm = 0;
        }
        case 18 -> {
          vm.state = 8;
          vm.lcm = 0;
        }
        case 20, 24 -> {
          vm.lcm = 3;
          vm.taking = -1;
        }
        default -> { }
      }
    }
  }

  private String xml(Vm vm, boolean reduced) {
    StringBuilder t = new StringBuilder();
    Map<String, String> a = attributes(vm.template);
    t.append("<CPU>").append(a.get("CPU")).append("</CPU><MEMORY>").append(a.get("MEMORY")).append("</MEMORY>");
    Matcher source = Pattern.compile("SOURCE = \"([^\"]*)\"").matcher(vm.template);
    Matcher image = Pattern.compile("DISK = \\[ IMAGE(_ID)? = \"([^\"]*)\"").matcher(vm.template);
    if (image.find()) {
      String id = image.group(1) != null ? image.group(2) : IMAGES.entrySet().stream()
          .filter(e -> e.getValue().equals(image.group(2))).findFirst().orElseThrow().getKey();
      t.append("<DISK><IMAGE>").append(IMAGES.get(id)).append("</IMAGE><IMAGE_ID>").append(id)
          .append("</IMAGE_ID><SOURCE>dummy_path</SOURCE></DISK>");
    } else if (source.find()) {
      t.append("<DISK><SOURCE>").append(esc(source.group(1))).append("</SOURCE></DISK>");
    }
    Matcher network = Pattern.compile("NIC = \\[ NETWORK(_ID)? = \"([^\"]*)\"").matcher(vm.template);
    boolean nic = network.find();
    String net = !nic ? null : network.group(1) == null ? network.group(2)
        : List.of("public", "local", "private").get(Integer.parseInt(network.group(2)));
    if (nic && vm.state != 1 && vm.state != 6) {
      String prefix = net.equals("public") ? "134.158.75." : "172.17.0.";
      t.append("<NIC><IP>").append(prefix).append(10 + vm.id).append("</IP><NETWORK>").append(net).append("</NETWORK></NIC>");
    }
    vm.snapshots.forEach((id, s) -> t.append("<SNAPSHOT>").append(id == vm.taking ? "<ACTION>CREATE</ACTION>" : "")
        .append("<SNAPSHOT_ID>").append(id).append("</SNAPSHOT_ID><NAME>").append(esc(s[0])).append("</NAME><TIME>")
        .append(s[1]).append("</TIME></SNAPSHOT>"));
    StringBuilder user = new StringBuilder();
    if (!reduced) {
      vm.attributes.forEach((k, v) -> user.append('<').append(k).append('>').append(esc(v)).append("</").append(k)
          .append('>'));
    }
    boolean v4 = major >= 4;
    return "<VM><ID>" + vm.id + "</ID><NAME>" + esc(vm.name) + "</NAME><STATE>" + vm.state + "</STATE><LCM_STATE>"
        + vm.lcm + "</LCM_STATE><STIME>" + vm.stime + "</STIME><TEMPLATE>" + t + (v4 ? "" : user)
        + "</TEMPLATE>" + (v4 ? "<USER_TEMPLATE>" + user + "</USER_TEMPLATE>" : "")
        + "<HISTORY_RECORDS><HISTORY><HOSTNAME>node-" + (vm.id % 3) + "</HOSTNAME></HISTORY></HISTORY_RECORDS></VM>";
  }

  /** The top-level {@code KEY = value} pairs of a template; vectors are kept as their bracketed text. */
  static Map<String, String> attributes(String template) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("(?m)^([A-Z_][A-Z0-9_]*) = (\"((?:[^\"\\\\]|\\\\.)*)\"|\\[[^\\]]*\\]|\\S+)$").matcher(template);
    while (m.find()) {
      String value = m.group(3) != null ? m.group(3).replace("\\\"", "\"").replace("\\\\", "\\") : m.group(2);
      out.merge(m.group(1), value, (a, b) -> a + "\n" + b);
    }
    return out;
  }

  private String ok(String value) {
    return "<?xml version=\"1.0\"?><methodResponse><params><param><value><array><data>"
        + "<value><boolean>1</boolean></value><value>" + value + "</value><value><int>0</int></value>"
        + "</data></array></value></param></params></methodResponse>";
  }

  private String fail(String message, int code) {
    return "<?xml version=\"1.0\"?><methodResponse><params><param><value><array><data>"
        + "<value><boolean>0</boolean></value><value><string>" + esc(message) + "</string></value><value><int>" + code
        + "</int></value>" + (major >= 5 ? "<value><int>-1</int></value><value><int>-1</int></value>" : "")
        + "</data></array></value></param></params></methodResponse>";
  }

  private static String fault(int code, String message) {
    return "<?xml version=\"1.0\"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>"
        + code + "</int></value></member><member><name>faultString</name><value><string>" + esc(message)
        + "</string></value></member></struct></value></fault></methodResponse>";
  }

  /**
   * Why oned 7.4 would refuse a template, in its words, or null: MEMORY and CPU must be numbers, a disk names
   * an image by IMAGE_ID or IMAGE (a bare SOURCE is StratusLab's, refused since OpenNebula 6 as an unknown
   * disk type) or is a volatile disk, and a NIC names one of the networks public, local and private.
   */
  private String refused(Map<String, String> attrs) {
    if (!attrs.getOrDefault("MEMORY", "").matches("\\d+")) {
      return "MEMORY attribute must be a positive integer value.";
    }
    if (!attrs.getOrDefault("CPU", "").matches("[0-9.]+")) {
      return "CPU attribute must be a positive float or integer value.";
    }
    String[] disks = attrs.getOrDefault("DISK", "").split("\n");
    for (int i = 0; i < disks.length; i++) {
      String d = disks[i];
      if (d.isEmpty() || d.contains("TYPE = \"swap\"") || d.contains("TYPE = \"fs\"")) {
        continue;
      }
      Matcher image = Pattern.compile("IMAGE(_ID)? = \"([^\"]*)\"").matcher(d);
      if (image.find()) {
        boolean byId = image.group(1) != null;
        if (!(byId ? IMAGES.containsKey(image.group(2)) : IMAGES.containsValue(image.group(2)))) {
          return "DISK " + i + ": " + (byId ? "Image with ID: " + image.group(2) + " does not exist"
              : "User 0 does not own an image with name: " + image.group(2) + " . Set IMAGE_UNAME or IMAGE_UID of"
              + " owner in DISK.");
        }
      } else if (major >= 6) {
        return "DISK " + i + ": Unknown disk type ";
      }
    }
    Matcher nic = Pattern.compile("NETWORK(_ID)? = \"([^\"]*)\"").matcher(attrs.getOrDefault("NIC", ""));
    if (nic.find()) {
      List<String> nets = List.of("public", "local", "private");
      boolean byId = nic.group(1) != null;
      if (byId ? !nic.group(2).matches("[0-2]") : !nets.contains(nic.group(2))) {
        return byId ? "Virtual network with ID: " + nic.group(2) + " does not exist"
            : "User 0 does not own a network with name: " + nic.group(2) + " . Set NETWORK_UNAME or NETWORK_UID of"
            + " owner in NIC.";
      }
    }
    return null;
  }

  private static String stateName(Vm vm) {
    return dev.flotilla.vm.stratuslab.internal.OneStates.label(vm.state, vm.lcm).toUpperCase(java.util.Locale.ROOT);
  }

  private static String string(String s) {
    return "<string>" + esc(s) + "</string>";
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
