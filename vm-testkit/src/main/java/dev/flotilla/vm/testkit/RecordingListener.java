package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Reaper;
import dev.flotilla.vm.VmListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link VmListener} that keeps what it hears, for tests to look at: state changes, moves to another place,
 * and reaps. Safe to hear from several threads.
 */
public final class RecordingListener implements VmListener {
  private final List<Transition> transitions = new CopyOnWriteArrayList<>();
  private final List<Move> moves = new CopyOnWriteArrayList<>();
  private final List<Reaper.Reaped> reaps = new CopyOnWriteArrayList<>();

  @Override
  public void onTransition(Transition transition) {
    transitions.add(transition);
  }

  @Override
  public void onMove(Move move) {
    moves.add(move);
  }

  @Override
  public void onReap(Reaper.Reaped reaped) {
    reaps.add(reaped);
  }

  /** The state changes heard, in order. */
  public List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  /** The moves to another place heard, in order. */
  public List<Move> moves() {
    return List.copyOf(moves);
  }

  /** The reaps heard, in order. */
  public List<Reaper.Reaped> reaps() {
    return List.copyOf(reaps);
  }
}
