MODULE BenchHe83;

	PROCEDURE StartsOneEnds* (n: INTEGER): INTEGER;
		VAR count, i: INTEGER;
	BEGIN
		IF n = 1 THEN RETURN 1 END;
		count := 19;
		FOR i := 3 TO n DO count := 10 * count END;
		RETURN count
	END StartsOneEnds;

END BenchHe83.
