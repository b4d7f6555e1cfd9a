MODULE BenchHe10;

	IMPORT BenchTypes;

	PROCEDURE MakePalindrome* (IN string0: ARRAY OF CHAR): BenchTypes.String;
		VAR r: BenchTypes.String; n, start, i: INTEGER;
	BEGIN
		n := LEN(string0$);
		start := MAX(n - 1, 0);
		NEW(r, n + start + 1);
		r^ := string0$;
		FOR i := 0 TO start - 1 DO r[n + i] := string0[start - 1 - i] END;
		r[n + start] := 0X;
		RETURN r
	END MakePalindrome;

END BenchHe10.
