MODULE BenchHe58;

	IMPORT BenchTypes;

	PROCEDURE Contains (IN l: ARRAY OF INTEGER; len, x: INTEGER): BOOLEAN;
		VAR i: INTEGER;
	BEGIN
		i := 0;
		WHILE (i < len) & (l[i] # x) DO INC(i) END;
		RETURN i < len
	END Contains;

	PROCEDURE Common* (IN l1, l2: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR found, r: BenchTypes.IntList; i, n: INTEGER;
	BEGIN
		NEW(found, LEN(l1)); n := 0;
		FOR i := 0 TO LEN(l1) - 1 DO
			IF Contains(l2, LEN(l2), l1[i]) & ~Contains(found, n, l1[i]) THEN found[n] := l1[i]; INC(n) END
		END;
		IF n = 0 THEN RETURN NIL END;
		NEW(r, n);
		FOR i := 0 TO n - 1 DO r[i] := found[i] END;
		RETURN r
	END Common;

END BenchHe58.
