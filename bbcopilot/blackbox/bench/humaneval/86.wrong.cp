MODULE BenchHe86;

	IMPORT BenchTypes;

	PROCEDURE AntiShuffle* (IN s: ARRAY OF CHAR): BenchTypes.String;
		VAR r: BenchTypes.String; i, j: INTEGER; ch: CHAR;
	BEGIN
		r := BenchTypes.NewString(s);
		FOR i := 1 TO LEN(r$) - 1 DO
			ch := r[i]; j := i;
			WHILE (j > 0) & (r[j - 1] > ch) DO r[j] := r[j - 1]; DEC(j) END;
			r[j] := ch
		END;
		RETURN r
	END AntiShuffle;

END BenchHe86.
