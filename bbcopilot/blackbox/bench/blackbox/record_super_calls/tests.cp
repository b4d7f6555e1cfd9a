MODULE BenchCountersTest;

	IMPORT BenchCheck, BenchCounters;

	TYPE
		(* Counts the calls of the hook. *)
		Watched = POINTER TO RECORD (BenchCounters.Bounded) changes: INTEGER END;

	PROCEDURE (w: Watched) Changed-;
	BEGIN
		INC(w.changes)
	END Changed;

	PROCEDURE Run*;
		VAR c: BenchCounters.Counter; b: BenchCounters.Bounded; w: Watched;
	BEGIN
		c := BenchCounters.NewCounter(); c.Add(3); c.Add(-1);
		BenchCheck.Int(1, c.n, 2);
		c.Reset; BenchCheck.Int(2, c.n, 0);
		b := BenchCounters.NewBounded(10); b.Add(7); b.Add(7);
		BenchCheck.True(3, (b.n = 10) & (b.overflows = 1) & (b.max = 10));
		b.Add(10); b.Reset; BenchCheck.True(4, (b.n = 0) & (b.overflows = 0) & (b.max = 10));
		b.Add(4); b.Add(6); BenchCheck.True(5, (b.n = 10) & (b.overflows = 0));
		NEW(w); w.Init(5); w.Add(2); w.Add(2);
		BenchCheck.Int(6, w.changes, 2);
		w.Add(9); w.Reset; BenchCheck.True(7, (w.changes = 4) & (w.n = 0) & (w.overflows = 0))
	END Run;

END BenchCountersTest.
