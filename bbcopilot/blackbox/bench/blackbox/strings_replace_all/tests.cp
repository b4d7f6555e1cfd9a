MODULE BenchReplaceAllTest;

	IMPORT BenchCheck, BenchReplaceAll;

	(* Case `case` passes when ReplaceAll on `s` returns `count` and leaves `want`. *)
	PROCEDURE Check (case: INTEGER; s: ARRAY OF CHAR; IN pat, rep, want: ARRAY OF CHAR; count: INTEGER);
		VAR buf: ARRAY 256 OF CHAR; n: INTEGER;
	BEGIN
		buf := s$;
		n := BenchReplaceAll.ReplaceAll(buf, pat, rep);
		BenchCheck.True(case, (n = count) & (buf = want))
	END Check;

	PROCEDURE Run*;
	BEGIN
		Check(1, "the cat sat on the mat", "at", "og", "the cog sog on the mog", 3);
		Check(2, "hello", "z", "y", "hello", 0);
		Check(3, "abab", "ab", "x", "xx", 2);
		Check(4, "a--b", "-", "", "ab", 2);
		Check(5, "aaa", "a", "aa", "aaaaaa", 3);
		Check(6, "", "x", "y", "", 0);
		Check(7, "Oberon", "Oberon", "Component Pascal", "Component Pascal", 1)
	END Run;

END BenchReplaceAllTest.
