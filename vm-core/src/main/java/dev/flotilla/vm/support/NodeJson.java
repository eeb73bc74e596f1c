package dev.flotilla.vm.support;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.CreateIntent;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.NodeRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The keys of a node record ({@code nodes/NAME.json}) and of LEAP seeds: LEAP's own where they exist
 * ({@code ip_address}, {@code services}, {@code tags}, {@code vm.id}, {@code vm.auth}, {@code vm.options},
 * {@code vm.image}), Flotilla's for the rest, all in one table so files and seeds read alike.
 */
public final class NodeJson {
  private enum Type { STRING, INT, BOOL, LIST, MAP, INTENT }

  /**
   * One key: how to take it from a node, and how to read it into the node's builder or, for what the store
   * keeps beside the spec ({@code recordOwned}), into its record's. Binding keys are never inherited.
   */
  private record Prop(String key, Type type, boolean binding, Function<Node, Object> get,
      BiConsumer<Node.Builder, Object> set, BiConsumer<NodeRecord.Builder, Object> setRecord) {
    Prop(String key, Type type, boolean binding, Function<Node, Object> get, BiConsumer<Node.Builder, Object> set) {
      this(key, type, binding, get, set, null);
    }

    boolean recordOwned() {
      return setRecord != null;
    }
  }

  private static final List<Prop> PROPS = new ArrayList<>();
  private static final Map<String, Prop> BY_KEY = new LinkedHashMap<>();

  static {
    recorded("ip_address", n -> n.publicAddress().orElse(null), NodeRecord.Builder::publicAddress);
    list("services", n -> List.copyOf(n.services()), Node.Builder::services);
    list("tags", n -> List.copyOf(n.tags()), Node.Builder::tags);
    string("group", false, n -> n.group().orElse(null), Node.Builder::group);
    string("inherit", true, n -> n.parent().orElse(null), Node.Builder::parent);
    recorded("vm.id", n -> n.vmId().orElse(null), NodeRecord.Builder::vmId);
    recorded("vm.private_ip_address", n -> n.privateAddress().orElse(null), NodeRecord.Builder::privateAddress);
    string("vm.auth", false, n -> n.profile().orElse(null), Node.Builder::profile);
    string("vm.image", false, n -> n.image().orElse(null), Node.Builder::image);
    string("vm.type", false, n -> n.type().orElse(null), Node.Builder::type);
    integer("vm.cpus", n -> n.cpus().isPresent() ? n.cpus().getAsInt() : null, Node.Builder::cpus);
    integer("vm.memory_mb", n -> n.memoryMb().isPresent() ? n.memoryMb().getAsInt() : null, Node.Builder::memoryMb);
    integer("vm.swap_mb", n -> n.swapMb().isPresent() ? n.swapMb().getAsInt() : null, Node.Builder::swapMb);
    string("vm.region", false, n -> n.region().orElse(null), Node.Builder::region);
    string("vm.zone", false, n -> n.zone().orElse(null), Node.Builder::zone);
    string("vm.key_pair", false, n -> n.keyPair().orElse(null), Node.Builder::keyPair);
    string("vm.login_user", false, n -> n.loginUser().orElse(null), Node.Builder::loginUser);
    string("vm.display_name", true, n -> n.displayName().orElse(null), Node.Builder::displayName);
    string("vm.user_data", false, n -> n.userData().orElse(null), Node.Builder::userData);
    list("vm.security_groups", Node::securityGroups, Node.Builder::securityGroups);
    string("vm.anti_affinity_group", false, n -> n.antiAffinityGroup().orElse(null), Node.Builder::antiAffinityGroup);
    add(new Prop("vm.options", Type.MAP, false, Node::options, (b, v) -> b.options(cast(v))));
    add(new Prop("vm.intent", Type.INTENT, true, n -> n.createIntent().orElse(null), null,
        (r, v) -> r.createIntent((CreateIntent) v)));
    add(new Prop("vm.ha", Type.BOOL, false, n -> n.ha() ? Boolean.TRUE : null, (b, v) -> b.ha((Boolean) v)));
    add(new Prop("vm.stopped", Type.STRING, true, n -> n.stoppedAt().map(Object::toString).orElse(null), null,
        (r, v) -> r.stoppedAt(instant((String) v))));
    add(new Prop("vm.ha_restarts", Type.LIST, true, n -> n.haRestarts().isEmpty() ? null
        : n.haRestarts().stream().map(Object::toString).toList(), null,
        (r, v) -> r.haRestarts(NodeJson.<List<String>>cast(v).stream().map(NodeJson::instant).toList())));
    add(new Prop("vm.removed", Type.STRING, true, n -> n.removedAt().map(Object::toString).orElse(null), null,
        (r, v) -> r.removedAt(instant((String) v))));
    add(new Prop("vm.lease", Type.STRING, false, n -> n.lease().map(dev.flotilla.vm.Lease::words).orElse(null),
        (b, v) -> b.lease(dev.flotilla.vm.Lease.duration((String) v, "vm.lease"))));
    add(new Prop("vm.on_expiry", Type.STRING, false, n -> n.lease().isPresent()
        && n.onExpiry() != dev.flotilla.vm.Lease.Expiry.DESTROY ? n.onExpiry().word() : null,
        (b, v) -> b.onExpiry(dev.flotilla.vm.Lease.Expiry.of((String) v, "vm.on_expiry"))));
    add(new Prop("vm.leased", Type.MAP, true, n -> n.leaseOfVm().map(NodeJson::leaseJson).orElse(null), null,
        (r, v) -> r.lease(lease(cast(v)))));
    add(new Prop("vm.placed", Type.MAP, true, n -> n.placeOfVm().map(NodeJson::placeJson).orElse(null), null,
        (r, v) -> r.place(place(cast(v)))));
  }

  /** Where a placement order put the VM: {@code {"profile": ..., "zone": ...}}, the zone left out if none. */
  private static Map<String, String> placeJson(dev.flotilla.vm.Place p) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("profile", p.profile());
    p.zoneIfAny().ifPresent(z -> out.put("zone", z));
    return out;
  }

  private static dev.flotilla.vm.Place place(Map<String, String> m) {
    String profile = m.get("profile");
    if (profile == null || profile.isBlank()) {
      throw new ConfigurationException(null, "vm.placed.profile", "is missing; it names the profile the VM was made"
          + " on. Remove vm.placed and run 'vm reconcile', or add the profile");
    }
    return new dev.flotilla.vm.Place(profile, m.get("zone"));
  }

  /** A VM's lease as a record keeps it: {@code {"expires": ..., "on_expiry": ..., "session": ...}}. */
  private static Map<String, String> leaseJson(dev.flotilla.vm.Lease l) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("expires", l.expiresAt().toString());
    out.put("on_expiry", l.onExpiry().word());
    out.put("session", l.session());
    return out;
  }

  private static dev.flotilla.vm.Lease lease(Map<String, String> m) {
    try {
      return new dev.flotilla.vm.Lease(java.time.Instant.parse(String.valueOf(m.get("expires"))),
          dev.flotilla.vm.Lease.Expiry.of(m.getOrDefault("on_expiry", "destroy"), "vm.leased.on_expiry"),
          String.valueOf(m.get("session")));
    } catch (java.time.format.DateTimeParseException e) {
      throw new ConfigurationException(null, "vm.leased.expires", "must be a time such as 2026-12-01T10:15:30Z, got '"
          + dev.flotilla.vm.CloudException.quoted(String.valueOf(m.get("expires"))) + "'");
    }
  }

  private static void string(String key, boolean binding, Function<Node, Object> get, BiConsumer<Node.Builder, String> set) {
    add(new Prop(key, Type.STRING, binding, get, (b, v) -> set.accept(b, (String) v)));
  }

  private static void recorded(String key, Function<Node, Object> get, BiConsumer<NodeRecord.Builder, String> set) {
    add(new Prop(key, Type.STRING, true, get, null, (r, v) -> set.accept(r, (String) v)));
  }

  private static void integer(String key, Function<Node, Object> get, BiConsumer<Node.Builder, Integer> set) {
    add(new Prop(key, Type.INT, false, get, (b, v) -> set.accept(b, (Integer) v)));
  }

  private static void list(String key, Function<Node, Object> get, BiConsumer<Node.Builder, List<String>> set) {
    add(new Prop(key, Type.LIST, false, get, (b, v) -> set.accept(b, cast(v))));
  }

  private static void add(Prop p) {
    PROPS.add(p);
    BY_KEY.put(p.key(), p);
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  private NodeJson() {}

  /** Every key a record or seed may use. */
  public static List<String> keys() {
    return List.copyOf(BY_KEY.keySet());
  }

  /**
   * The node {@code name} as its file says, before inheritance.
   *
   * @throws ConfigurationException naming the file and key for an unknown key, a wrong type, or a bad value
   */
  public static Node read(String name, JsonObject json, Path file) {
    Node.Builder b = Node.builder(name);
    NodeRecord.Builder r = NodeRecord.builder();
    try {
      for (Map.Entry<String, JsonElement> e : json.entrySet()) {
        if (e.getKey().equals("vm") && e.getValue().isJsonObject()) {
          for (Map.Entry<String, JsonElement> vm : e.getValue().getAsJsonObject().entrySet()) {
            set(b, r, "vm." + vm.getKey(), vm.getValue(), file);
          }
        } else {
          set(b, r, e.getKey(), e.getValue(), file);
        }
      }
      return b.build().withRecord(r.build());
    } catch (ConfigurationException ex) {
      throw ex.file().isPresent() ? ex : ex.inFile(file);
    }
  }

  private static void set(Node.Builder b, NodeRecord.Builder r, String key, JsonElement value, Path file) {
    Prop p = BY_KEY.get(key);
    if (p == null) {
      throw Json.unknownKey(file, key, keys());
    }
    if (value.isJsonNull()) {
      return;
    }
    Object v;
    switch (p.type()) {
      case INT:
        v = Json.integer(value, file, key);
        break;
      case BOOL:
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
          throw new ConfigurationException(file, key, "must be true or false, not " + Json.kind(value));
        }
        v = value.getAsBoolean();
        break;
      case LIST:
        v = Json.strings(value, file, key);
        break;
      case MAP:
        v = Json.stringMap(value, file, key);
        break;
      case INTENT:
        v = intent(value, file, key);
        break;
      default:
        String s = Json.string(value, file, key);
        v = key.equals("ip_address") && s.equals("0.0.0.0") ? null : s; // LEAP writes 0.0.0.0 for "none"
    }
    if (p.recordOwned()) {
      p.setRecord().accept(r, v);
    } else {
      p.set().accept(b, v);
    }
  }

  /** A create intent as the record keeps it: token, profile, spec digest, nodes of the call, since when. */
  private static CreateIntent intent(JsonElement value, Path file, String key) {
    JsonObject o = Json.object(value, file, key);
    for (String k : o.keySet()) {
      if (!INTENT_KEYS.contains(k)) {
        throw Json.unknownKey(file, key + "." + k, INTENT_KEYS.stream().map(x -> key + "." + x).toList());
      }
    }
    String since = Json.string(o.get("since"), file, key + ".since");
    try {
      return new CreateIntent(Json.string(o.get("token"), file, key + ".token"),
          Json.string(o.get("profile"), file, key + ".profile"), Json.string(o.get("spec"), file, key + ".spec"),
          Json.strings(o.get("nodes"), file, key + ".nodes"), java.time.Instant.parse(since));
    } catch (java.time.format.DateTimeParseException e) {
      throw new ConfigurationException(file, key + ".since", "must be a time such as 2026-12-01T10:15:30Z, got '"
          + since + "'");
    }
  }

  private static java.time.Instant instant(String s) {
    try {
      return java.time.Instant.parse(s);
    } catch (java.time.format.DateTimeParseException e) {
      throw new ConfigurationException(null, "vm.removed", "must be a time such as 2026-12-01T10:15:30Z, got '" + s + "'");
    }
  }

  private static final List<String> INTENT_KEYS = List.of("token", "profile", "spec", "nodes", "since");

  private static JsonObject intentJson(CreateIntent i) {
    JsonObject o = new JsonObject();
    o.addProperty("token", i.token());
    o.addProperty("profile", i.profile());
    o.addProperty("spec", i.spec());
    JsonArray nodes = new JsonArray();
    i.nodes().forEach(nodes::add);
    o.add("nodes", nodes);
    o.addProperty("since", i.since().toString());
    return o;
  }

  /**
   * {@code child} with what it leaves unset taken from its resolved parent. Binding keys (VM id,
   * addresses, display name) are the child's own; option maps merge, the child's entries winning.
   */
  public static Node resolve(Node child, Node parent) {
    Node.Builder b = child.toBuilder();
    for (Prop p : PROPS) {
      if (p.binding()) {
        continue;
      }
      Object mine = p.get().apply(child);
      Object theirs = p.get().apply(parent);
      if (p.type() == Type.MAP) {
        Map<String, String> merged = new LinkedHashMap<>(cast(theirs));
        merged.putAll(cast(mine));
        p.set().accept(b, merged);
      } else if (absent(mine) && !absent(theirs)) {
        p.set().accept(b, theirs);
      }
    }
    return b.build();
  }

  /**
   * The JSON of {@code node}'s record: every value it has, except those equal to what it would inherit from
   * {@code parent} (may be {@code null}), so that a later change to the parent still reaches it.
   */
  public static JsonObject write(Node node, Node parent) {
    JsonObject root = new JsonObject();
    JsonObject vm = new JsonObject();
    for (Prop p : PROPS) {
      Object value = p.get().apply(node);
      if (parent != null && !p.binding()) {
        value = minus(p, value, p.get().apply(parent));
      }
      if (absent(value)) {
        continue;
      }
      JsonObject target = p.key().startsWith("vm.") ? vm : root;
      target.add(p.key().startsWith("vm.") ? p.key().substring(3) : p.key(), toJson(value));
    }
    if (vm.size() > 0) {
      root.add("vm", vm);
    }
    return root;
  }

  private static Object minus(Prop p, Object mine, Object inherited) {
    if (p.type() != Type.MAP) {
      return Objects.equals(mine, inherited) ? null : mine;
    }
    Map<String, String> own = new LinkedHashMap<>(cast(mine));
    Map<String, String> theirs = cast(inherited);
    own.entrySet().removeIf(e -> e.getValue().equals(theirs.get(e.getKey())));
    return own;
  }

  private static JsonElement toJson(Object value) {
    if (value instanceof CreateIntent i) {
      return intentJson(i);
    }
    if (value instanceof String s) {
      return new com.google.gson.JsonPrimitive(s);
    }
    if (value instanceof Integer i) {
      return new com.google.gson.JsonPrimitive(i);
    }
    if (value instanceof Boolean flag) {
      return new com.google.gson.JsonPrimitive(flag);
    }
    if (value instanceof List<?> list) {
      JsonArray a = new JsonArray();
      list.forEach(item -> a.add((String) item));
      return a;
    }
    JsonObject o = new JsonObject();
    Map<String, String> map = cast(value);
    map.forEach(o::addProperty);
    return o;
  }

  private static boolean absent(Object v) {
    return v == null || (v instanceof List<?> l && l.isEmpty()) || (v instanceof Map<?, ?> m && m.isEmpty());
  }

  /**
   * Applies one LEAP seed, {@code KEY:VALUE}, to {@code b}: {@code services:webapp,couchdb},
   * {@code tags:seattle}, {@code vm.options.InstanceType:t2.small}, {@code vm.cpus:2}. List values are
   * split on commas.
   *
   * @throws ConfigurationException for a seed without a colon, an unknown key (the nearest suggested) or a
   *     value of the wrong type
   */
  public static void seed(Node.Builder b, Node current, String seed) {
    int colon = seed.indexOf(':');
    if (colon <= 0) {
      throw new ConfigurationException(null, "seed", "'" + seed + "' is not KEY:VALUE; write seeds such as"
          + " services:webapp,couchdb tags:seattle vm.options.InstanceType:t2.small");
    }
    String key = seed.substring(0, colon);
    String value = seed.substring(colon + 1);
    if (key.startsWith("vm.options.") && key.length() > "vm.options.".length()) {
      Map<String, String> options = new LinkedHashMap<>(current.options());
      options.put(key.substring("vm.options.".length()), value);
      b.options(options);
      return;
    }
    Prop p = BY_KEY.get(key);
    if (p != null && p.recordOwned()) {
      throw new ConfigurationException(null, key, "is what the record keeps about the node's VM, written by the"
          + " client, not a seed; to give the node an existing VM, run 'vm bind NAME VM_ID'");
    }
    if (p == null || p.type() == Type.MAP) {
      List<String> known = new ArrayList<>();
      PROPS.stream().filter(q -> !q.recordOwned() && q.type() != Type.MAP).forEach(q -> known.add(q.key()));
      known.add("vm.options.KEY");
      throw Json.unknownKey(null, key, known);
    }
    switch (p.type()) {
      case INT:
        try {
          p.set().accept(b, Integer.valueOf(value.trim()));
        } catch (NumberFormatException e) {
          throw new ConfigurationException(null, key, "must be a whole number, got '" + value + "'");
        }
        break;
      case BOOL:
        if (!value.trim().equals("true") && !value.trim().equals("false")) {
          throw new ConfigurationException(null, key, "must be true or false, got '" + value + "'");
        }
        p.set().accept(b, Boolean.valueOf(value.trim()));
        break;
      case LIST:
        List<String> items = new ArrayList<>();
        for (String item : value.split(",")) {
          if (!item.isBlank()) {
            items.add(item.trim());
          }
        }
        p.set().accept(b, items);
        break;
      default:
        p.set().accept(b, value);
    }
  }
}
