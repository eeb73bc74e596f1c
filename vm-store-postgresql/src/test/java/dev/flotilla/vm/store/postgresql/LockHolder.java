package dev.flotilla.vm.store.postgresql;

import dev.flotilla.vm.store.NodeStore;
import java.time.Duration;
import java.util.List;

/** A process that takes the lock of a node and keeps it until it is killed: a client that crashes mid-create. */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws InterruptedException {
    NodeStore store = PostgresNodeStore.open(args[0]);
    store.lock(List.of(args[1]), Duration.ZERO);
    System.out.println("locked");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
