package dev.flotilla.vm.testkit;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.testkit.internal.FakeState;
import dev.flotilla.vm.testkit.internal.FakeVm;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A fake cloud's state as JSON, so that {@link FileBackedFakeCloud} shares one cloud among processes. */
final class FakeCloudState {
  private FakeCloudState() {}

  /** {@code cloud}'s VMs, tokens, keys, addresses, saved images and counters as JSON. */
  static JsonObject save(FakeCloud cloud) {
    synchronized (cloud.lock) {
      JsonObject o = new JsonObject();
      o.addProperty("nextVm", cloud.nextVm);
      o.addProperty("nextSnapshot", cloud.nextSnapshot);
      JsonArray list = new JsonArray();
      cloud.vms.values().forEach(vm -> list.add(FakeState.write(vm)));
      o.add("vms", list);
      JsonObject t = new JsonObject();
      cloud.tokens.forEach((token, ids) -> {
        JsonArray a = new JsonArray();
        ids.forEach(a::add);
        t.add(token, a);
      });
      o.add("tokens", t);
      JsonObject k = new JsonObject();
      cloud.keys.values().forEach(key -> k.addProperty(key.name(), key.fingerprint()));
      o.add("keys", k);
      JsonObject f = new JsonObject();
      cloud.floating.forEach((address, owner) -> f.addProperty(address, owner == null ? "" : owner)); // "" = free
      o.add("floating", f);
      JsonArray saved = new JsonArray();
      cloud.images.values().stream().filter(i -> "self".equals(i.owner())).forEach(i -> {
        JsonObject image = new JsonObject();
        image.addProperty("id", i.id());
        image.addProperty("name", i.name());
        JsonObject tags = new JsonObject();
        i.tags().forEach(tags::addProperty);
        image.add("tags", tags);
        saved.add(image);
      });
      o.add("savedImages", saved);
      return o;
    }
  }

  /**
   * Replaces {@code cloud}'s VMs, tokens, keys, addresses, saved images and counters with those {@link #save}
   * wrote, read from {@code in} one VM at a time: a cloud of 10,000 VMs is never one tree in memory.
   */
  static void restore(FakeCloud cloud, JsonReader in) throws IOException {
    synchronized (cloud.lock) {
      cloud.vms.clear();
      cloud.tokens.clear();
      cloud.keys.clear();
      cloud.floating.clear();
      cloud.images.values().removeIf(i -> "self".equals(i.owner()));
      Long vmCounter = null;
      Long snapshotCounter = null;
      in.beginObject();
      while (in.hasNext()) {
        String field = in.nextName();
        if (field.equals("vms")) {
          in.beginArray();
          while (in.hasNext()) {
            FakeVm vm = FakeState.read(
                JsonParser.parseReader(in).getAsJsonObject());
            cloud.vms.put(vm.id, vm);
          }
          in.endArray();
          continue;
        }
        JsonElement value = JsonParser.parseReader(in);
        switch (field) {
          case "nextVm" -> vmCounter = value.getAsLong();
          case "nextSnapshot" -> snapshotCounter = value.getAsLong();
          case "savedImages" -> value.getAsJsonArray().forEach(e -> {
            JsonObject i = e.getAsJsonObject();
            Map<String, String> tags = new LinkedHashMap<>();
            if (i.has("tags")) {
              i.getAsJsonObject("tags").entrySet().forEach(t -> tags.put(t.getKey(), t.getValue().getAsString()));
            }
            String id = i.get("id").getAsString();
            cloud.images.put(id, new Image(id, i.get("name").getAsString(), "self", tags));
          });
          case "floating" -> value.getAsJsonObject().entrySet().forEach(e -> cloud.floating.put(e.getKey(),
              e.getValue().getAsString().isEmpty() ? null : e.getValue().getAsString()));
          case "keys" -> value.getAsJsonObject().entrySet().forEach(e -> cloud.keys.put(e.getKey(),
              new KeyPair(e.getKey(), e.getValue().getAsString())));
          case "tokens" -> value.getAsJsonObject().entrySet().forEach(e -> {
            List<String> ids = new ArrayList<>();
            e.getValue().getAsJsonArray().forEach(id -> ids.add(id.getAsString()));
            cloud.tokens.put(e.getKey(), List.copyOf(ids));
          });
          default -> { } // a field a later version added
        }
      }
      in.endObject();
      if (vmCounter == null || snapshotCounter == null) {
        throw new IllegalStateException("no counters");
      }
      cloud.nextVm = vmCounter;
      cloud.nextSnapshot = snapshotCounter;
    }
  }
}
