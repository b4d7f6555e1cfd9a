MODULE BenchHe86;

	IMPORT BenchTypes;

	PROCEDURE AntiShuffle* (IN s: ARRAY OF CHAR): BenchTypes.String;
		VAR r: BenchTypes.String; start, i, j: INTEGER; ch: CHAR;
	BEGIN
		r := BenchTypes.NewString(s);
		start := 0;
		WHILE r[start] # 0X DO
			IF r[start] = " " THEN
				INC(start)
			ELSE	(* insertion sort of the word that starts here *)
				i := start + 1;
				WHILE (r[i] # 0X) & (r[i] # " ") DO
					ch := r[i]; j := i;
					WHILE (j > start) & (r[j - 1] > ch) DO r[j] := r[j - 1]; DEC(j) END;
					r[j] := ch; INC(i)
				END;
				start := i
			END
		END;
		RETURN r
	END AntiShuffle;

END BenchHe86.
