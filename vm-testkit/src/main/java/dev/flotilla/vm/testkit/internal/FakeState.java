package dev.flotilla.vm.testkit.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Snapshot;
import dev.flotilla.vm.SnapshotChain;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The fake cloud's VMs as JSON, so that several processes can share one fake cloud through a file. */
public final class FakeState {
  private FakeState() {}

  /** One VM as JSON. */
  public static JsonObject write(FakeVm vm) {
    JsonObject o = new JsonObject();
    o.addProperty("id", vm.id);
    o.addProperty("type", vm.type);
    o.addProperty("image", vm.image);
    o.addProperty("zone", vm.zone);
    o.addProperty("cpus", vm.cpus);
    o.addProperty("memoryMb", vm.memoryMb);
    o.addProperty("antiAffinityGroup", vm.antiAffinityGroup);
    o.addProperty("launchTime", text(vm.launchTime));
    o.addProperty("privateAddress", vm.privateAddress);
    o.addProperty("publicAddress", vm.publicAddress);
    JsonObject tags = new JsonObject();
    vm.tags.forEach(tags::addProperty);
    o.add("tags", tags);
    o.addProperty("host", vm.host);
    o.addProperty("state", vm.state.name());
    o.addProperty("providerState", vm.providerState);
    o.addProperty("settlesTo", vm.settlesTo.name());
    o.addProperty("settlesAt", text(vm.settlesAt));
    o.addProperty("hiddenUntil", text(vm.hiddenUntil));
    o.addProperty("terminatedAt", text(vm.terminatedAt));
    o.addProperty("fault", vm.fault);
    JsonObject chain = new JsonObject();
    chain.addProperty("max", vm.snapshots.maxCount());
    chain.addProperty("current", vm.snapshots.current().map(Snapshot::id).orElse(null));
    JsonArray list = new JsonArray();
    for (Snapshot s : vm.snapshots.snapshots()) {
      JsonObject so = new JsonObject();
      so.addProperty("id", s.id());
      so.addProperty("name", s.name());
      so.addProperty("parent", s.parentId().orElse(null));
      so.addProperty("memory", s.includesMemory());
      so.addProperty("createdAt", text(s.createdAt()));
      so.addProperty("status", s.status().name());
      so.addProperty("readyAt", text(vm.snapshotReadyAt.get(s.id())));
      list.add(so);
    }
    chain.add("list", list);
    o.add("snapshots", chain);
    return o;
  }

  /** One VM from JSON. */
  public static FakeVm read(JsonObject o) {
    JsonObject chainJson = o.getAsJsonObject("snapshots");
    List<Snapshot> snaps = new ArrayList<>();
    for (JsonElement e : chainJson.getAsJsonArray("list")) {
      JsonObject s = e.getAsJsonObject();
      snaps.add(Snapshot.of(str(s, "id"), str(s, "name"), str(s, "parent"), s.get("memory").getAsBoolean(),
          time(s, "createdAt"), Snapshot.Status.valueOf(str(s, "status"))));
    }
    FakeVm vm = new FakeVm(str(o, "id"), str(o, "type"), str(o, "image"), str(o, "zone"), o.get("cpus").getAsInt(),
        o.get("memoryMb").getAsInt(), str(o, "antiAffinityGroup"), time(o, "launchTime"), str(o, "privateAddress"),
        str(o, "publicAddress"), SnapshotChain.of(snaps, str(chainJson, "current"), chainJson.get("max").getAsInt()));
    for (JsonElement e : chainJson.getAsJsonArray("list")) {
      Instant readyAt = time(e.getAsJsonObject(), "readyAt");
      if (readyAt != null) {
        vm.snapshotReadyAt.put(str(e.getAsJsonObject(), "id"), readyAt);
      }
    }
    for (Map.Entry<String, JsonElement> t : o.getAsJsonObject("tags").entrySet()) {
      vm.tags.put(t.getKey(), t.getValue().getAsString());
    }
    vm.host = str(o, "host");
    vm.state = State.valueOf(str(o, "state"));
    vm.providerState = str(o, "providerState");
    vm.settlesTo = State.valueOf(str(o, "settlesTo"));
    vm.settlesAt = time(o, "settlesAt");
    vm.hiddenUntil = time(o, "hiddenUntil");
    vm.terminatedAt = time(o, "terminatedAt");
    vm.fault = str(o, "fault");
    return vm;
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  private static String str(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e == null || e instanceof JsonNull ? null : e.getAsString();
  }

  private static Instant time(JsonObject o, String key) {
    String s = str(o, key);
    return s == null ? null : Instant.parse(s);
  }
}
