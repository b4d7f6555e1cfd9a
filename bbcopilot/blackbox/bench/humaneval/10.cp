MODULE BenchHe10;

	IMPORT BenchTypes;

	PROCEDURE IsPalindrome (IN s: ARRAY OF CHAR; from, to: INTEGER): BOOLEAN;
	BEGIN
		WHILE (from < to) & (s[from] = s[to]) DO INC(from); DEC(to) END;
		RETURN from >= to
	END IsPalindrome;

	PROCEDURE MakePalindrome* (IN string0: ARRAY OF CHAR): BenchTypes.String;
		VAR r: BenchTypes.String; n, start, i: INTEGER;
	BEGIN
		n := LEN(string0$);
		start := 0;
		WHILE (start < n) & ~IsPalindrome(string0, start, n - 1) DO INC(start) END;
		(* string0[start..] is the longest palindromic suffix: mirror what comes before it *)
		NEW(r, n + start + 1);
		r^ := string0$;
		FOR i := 0 TO start - 1 DO r[n + i] := string0[start - 1 - i] END;
		r[n + start] := 0X;
		RETURN r
	END MakePalindrome;

END BenchHe10.
