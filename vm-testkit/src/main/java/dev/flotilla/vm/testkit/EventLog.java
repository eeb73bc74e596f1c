package dev.flotilla.vm.testkit;

import dev.flotilla.vm.VmListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link VmListener} that keeps everything it hears, for assertions: transitions, progress, moves to another
 * place, reaps. Thread-safe.
 */
public final class EventLog implements VmListener {
  private final List<Transition> transitions = new CopyOnWriteArrayList<>();
  private final List<Progress> progress = new CopyOnWriteArrayList<>();
  private final List<Move> moves = new CopyOnWriteArrayList<>();
  private final List<dev.flotilla.vm.Reaper.Reaped> reaps = new CopyOnWriteArrayList<>();

  @Override
  public void onTransition(Transition transition) {
    transitions.add(transition);
  }

  @Override
  public void onProgress(Progress p) {
    progress.add(p);
  }

  @Override
  public void onMove(Move move) {
    moves.add(move);
  }

  @Override
  public void onReap(dev.flotilla.vm.Reaper.Reaped reaped) {
    reaps.add(reaped);
  }

  /** Every move to another place heard (a create that found no capacity), in order. */
  public List<Move> moves() {
    return List.copyOf(moves);
  }

  /** Every reap heard, in order. */
  public List<dev.flotilla.vm.Reaper.Reaped> reaps() {
    return List.copyOf(reaps);
  }

  /** Every transition heard, in order. */
  public List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  /** Every progress report heard, in order, such as {@code 2/4 running}. */
  public List<String> progress() {
    return progress.stream().map(Progress::toString).toList();
  }

  /** Forgets what was heard. */
  public void clear() {
    transitions.clear();
    progress.clear();
    moves.clear();
    reaps.clear();
  }
}
