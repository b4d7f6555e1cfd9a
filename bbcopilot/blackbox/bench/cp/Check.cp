MODULE BenchCheck;
(*
	The test modules' verdicts: one line per case, "@@case <nonce> <case> pass" or "... fail <why>".
	The runner writes the nonce in for each run, so a program under test that prints such lines itself
	does not know it; it goes through Log, which writes at once (StdLog keeps its buffer until the
	command returns, and a trap would lose the cases already passed).
	A list is NIL or has elements: BlackBox's NEW traps on a length of 0, so NIL is the empty list.
*)

	IMPORT Log, Strings, BenchTypes;

	CONST tag = "@@case @NONCE@ ";

	PROCEDURE Report (case: INTEGER; ok: BOOLEAN; IN why: ARRAY OF CHAR);
		VAR s: ARRAY 16 OF CHAR;
	BEGIN
		Strings.IntToString(case, s);
		Log.String(tag); Log.String(s);
		IF ok THEN Log.String(" pass") ELSE Log.String(" fail "); Log.String(why) END;
		Log.Ln
	END Report;

	PROCEDURE True* (case: INTEGER; ok: BOOLEAN);
	BEGIN
		Report(case, ok, "condition false")
	END True;

	PROCEDURE Bool* (case: INTEGER; got, want: BOOLEAN);
	BEGIN
		IF got THEN Report(case, got = want, "got TRUE") ELSE Report(case, got = want, "got FALSE") END
	END Bool;

	PROCEDURE Int* (case: INTEGER; got, want: LONGINT);
		VAR g, w: ARRAY 32 OF CHAR;
	BEGIN
		Strings.IntToString(got, g); Strings.IntToString(want, w);
		Report(case, got = want, "got " + g + ", want " + w)
	END Int;

	PROCEDURE Close (got, want: REAL): BOOLEAN;
	BEGIN
		RETURN ABS(got - want) <= 1.0E-6 * MAX(1.0, ABS(want))
	END Close;

	PROCEDURE Real* (case: INTEGER; got, want: REAL);
		VAR g, w: ARRAY 32 OF CHAR;
	BEGIN
		Strings.RealToString(got, g); Strings.RealToString(want, w);
		Report(case, Close(got, want), "got " + g + ", want " + w)
	END Real;

	PROCEDURE Str* (case: INTEGER; IN got, want: ARRAY OF CHAR);
	BEGIN
		Report(case, got = want, "strings differ")
	END Str;

	PROCEDURE String* (case: INTEGER; got: BenchTypes.String; IN want: ARRAY OF CHAR);
	BEGIN
		IF got = NIL THEN Report(case, FALSE, "got NIL") ELSE Report(case, got^ = want, "strings differ") END
	END String;

	PROCEDURE Ints* (case: INTEGER; got, want: BenchTypes.IntList);
		VAR i, n: INTEGER; ok: BOOLEAN;
	BEGIN
		n := 0; IF want # NIL THEN n := LEN(want^) END;
		IF got = NIL THEN ok := n = 0 ELSE ok := LEN(got^) = n END;
		i := 0;
		WHILE ok & (i < n) DO ok := got[i] = want[i]; INC(i) END;
		Report(case, ok, "lists differ")
	END Ints;

	PROCEDURE Reals* (case: INTEGER; got, want: BenchTypes.RealList);
		VAR i, n: INTEGER; ok: BOOLEAN;
	BEGIN
		n := 0; IF want # NIL THEN n := LEN(want^) END;
		IF got = NIL THEN ok := n = 0 ELSE ok := LEN(got^) = n END;
		i := 0;
		WHILE ok & (i < n) DO ok := Close(got[i], want[i]); INC(i) END;
		Report(case, ok, "lists differ")
	END Reals;

	PROCEDURE Bools* (case: INTEGER; got, want: BenchTypes.BoolList);
		VAR i, n: INTEGER; ok: BOOLEAN;
	BEGIN
		n := 0; IF want # NIL THEN n := LEN(want^) END;
		IF got = NIL THEN ok := n = 0 ELSE ok := LEN(got^) = n END;
		i := 0;
		WHILE ok & (i < n) DO ok := got[i] = want[i]; INC(i) END;
		Report(case, ok, "lists differ")
	END Bools;

	PROCEDURE StringList* (case: INTEGER; got, want: BenchTypes.StringList);
		VAR i, n: INTEGER; ok: BOOLEAN;
	BEGIN
		n := 0; IF want # NIL THEN n := LEN(want^) END;
		IF got = NIL THEN ok := n = 0 ELSE ok := LEN(got^) = n END;
		i := 0;
		WHILE ok & (i < n) DO ok := (got[i] # NIL) & (want[i] # NIL) & (got[i]^ = want[i]^); INC(i) END;
		Report(case, ok, "lists differ")
	END StringList;

END BenchCheck.
