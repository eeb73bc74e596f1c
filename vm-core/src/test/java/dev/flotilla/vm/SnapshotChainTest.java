package dev.flotilla.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotChainTest {
  private int clock;

  private Snapshot snap(String id) {
    return snap(id, false);
  }

  private Snapshot snap(String id, boolean memory) {
    return Snapshot.of(id, "name-" + id, null, memory, Instant.ofEpochSecond(++clock), Snapshot.Status.READY);
  }

  @Test
  void eachSnapshotIsAChildOfTheCurrentOneAndBecomesCurrent() {
    SnapshotChain chain = SnapshotChain.empty().add(snap("s1")).add(snap("s2")).add(snap("s3"));

    assertThat(chain.roots()).extracting(Snapshot::id).containsExactly("s1");
    assertThat(chain.parent("s2").map(Snapshot::id)).contains("s1");
    assertThat(chain.parent("s3").map(Snapshot::id)).contains("s2");
    assertThat(chain.current().map(Snapshot::id)).contains("s3");
  }

  @Test
  void revertMovesCurrentSoTheNextSnapshotStartsABranch() {
    SnapshotChain chain = SnapshotChain.empty().add(snap("s1")).add(snap("s2")).revertTo("s1").add(snap("s3"));

    assertThat(chain.children("s1")).extracting(Snapshot::id).containsExactly("s2", "s3");
    assertThat(chain.current().map(Snapshot::id)).contains("s3");
  }

  @Test
  void deletingASnapshotReparentsItsChildren() {
    SnapshotChain chain = SnapshotChain.empty().add(snap("s1")).add(snap("s2")).add(snap("s3"))
        .revertTo("s2").add(snap("s4"));

    SnapshotChain after = chain.delete("s2");

    assertThat(after.children("s1")).extracting(Snapshot::id).containsExactly("s3", "s4");
    assertThat(after.get("s2")).isEmpty();
    assertThat(after.current().map(Snapshot::id)).contains("s4");
    assertThat(chain.get("s2")).as("the old chain is untouched").isPresent();
  }

  @Test
  void deletingARootMakesItsChildrenRootsAndDeletingCurrentMovesCurrentToItsParent() {
    SnapshotChain chain = SnapshotChain.empty().add(snap("s1")).add(snap("s2")).add(snap("s3"));

    assertThat(chain.delete("s1").roots()).extracting(Snapshot::id).containsExactly("s2");
    assertThat(chain.delete("s3").current().map(Snapshot::id)).contains("s2");
    assertThat(chain.delete("s3").delete("s2").delete("s1").current()).isEmpty();
  }

  @Test
  void aMaximumCountRemovesTheOldestFirst() {
    SnapshotChain chain = SnapshotChain.empty(3);
    for (int i = 1; i <= 5; i++) {
      chain = chain.add(snap("s" + i));
    }

    assertThat(chain.snapshots()).extracting(Snapshot::id).containsExactly("s3", "s4", "s5");
    assertThat(chain.roots()).extracting(Snapshot::id).containsExactly("s3");
    assertThat(chain.maxCount()).isEqualTo(3);
  }

  @Test
  void snapshotsMayIncludeMemoryAndAreFoundByIdOrName() {
    SnapshotChain chain = SnapshotChain.empty().add(snap("s1", true)).add(snap("s2"));

    assertThat(chain.find("name-s1").map(Snapshot::includesMemory)).contains(true);
    assertThat(chain.find("s2").map(Snapshot::includesMemory)).contains(false);
    assertThat(chain.find("nothing")).isEmpty();
  }

  @Test
  void clearedWhenTheVmIsDestroyed() {
    SnapshotChain chain = SnapshotChain.empty(4).add(snap("s1")).add(snap("s2"));
    assertThat(chain.cleared().isEmpty()).isTrue();
    assertThat(chain.cleared().maxCount()).isEqualTo(4);
    assertThat(chain.cleared().current()).isEmpty();
  }

  @Test
  void refusesWhatCannotBe() {
    SnapshotChain chain = SnapshotChain.empty().add(snap("s1"));
    assertThatThrownBy(() -> chain.add(snap("s1"))).isInstanceOf(ConfigurationException.class).hasMessageContaining("already");
    assertThatThrownBy(() -> chain.revertTo("nope")).hasMessageContaining("no snapshot with id 'nope'")
        .hasMessageContaining("s1 (name-s1)");
    assertThatThrownBy(() -> SnapshotChain.empty(-1)).hasMessageContaining("maxSnapshots");
    Snapshot orphan = Snapshot.of("s9", "x", "missing", false, Instant.EPOCH, Snapshot.Status.READY);
    assertThatThrownBy(() -> SnapshotChain.of(List.of(orphan), null, 0)).hasMessageContaining("parent 'missing'");
    assertThatThrownBy(() -> SnapshotChain.of(List.of(snap("a")), "b", 0)).hasMessageContaining("'b'");
  }

  @Test
  void ofSortsOldestFirstAndEqualityFollowsValues() {
    Snapshot a = snap("a");
    Snapshot b = snap("b").withParent("a");
    SnapshotChain chain = SnapshotChain.of(List.of(b, a), "b", 0);
    assertThat(chain.snapshots()).containsExactly(a, b);
    assertThat(chain).isEqualTo(SnapshotChain.empty().add(a).add(b)).hasSameHashCodeAs(SnapshotChain.empty().add(a).add(b));
  }
}
