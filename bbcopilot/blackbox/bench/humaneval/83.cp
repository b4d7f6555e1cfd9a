MODULE BenchHe83;

	PROCEDURE StartsOneEnds* (n: INTEGER): INTEGER;
		VAR count, i: INTEGER;
	BEGIN
		IF n = 1 THEN RETURN 1 END;
		(* 10^(n-1) start with 1, 9 * 10^(n-2) end with 1, 10^(n-2) do both *)
		count := 18;
		FOR i := 3 TO n DO count := 10 * count END;
		RETURN count
	END StartsOneEnds;

END BenchHe83.
