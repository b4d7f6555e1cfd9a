MODULE BenchHe19;

	IMPORT BenchTypes;

	TYPE Name = ARRAY 8 OF CHAR;

	VAR names: ARRAY 10 OF Name;

	PROCEDURE SortNumbers* (IN numbers: ARRAY OF CHAR): BenchTypes.String;
		VAR count: ARRAY 10 OF INTEGER; word: Name; d, i, j, k, n: INTEGER; r: BenchTypes.String;
	BEGIN
		FOR d := 0 TO 9 DO count[d] := 0 END;
		n := LEN(numbers$); i := 0;
		WHILE i < n DO
			IF numbers[i] = " " THEN
				INC(i)
			ELSE
				k := 0;
				WHILE (i < n) & (numbers[i] # " ") & (k < LEN(word) - 1) DO word[k] := numbers[i]; INC(k); INC(i) END;
				WHILE (i < n) & (numbers[i] # " ") DO INC(i) END;	(* a word too long for a name *)
				word[k] := 0X;
				d := 0;
				WHILE (d < 10) & (names[d] # word) DO INC(d) END;
				IF d < 10 THEN INC(count[d]) END
			END
		END;
		NEW(r, n + 1); k := 0;
		FOR d := 0 TO 9 DO
			FOR j := 1 TO count[d] DO
				IF k > 0 THEN r[k] := " "; INC(k) END;
				FOR i := 0 TO LEN(names[d]$) - 1 DO r[k] := names[d][i]; INC(k) END
			END
		END;
		r[k] := 0X;
		RETURN r
	END SortNumbers;

BEGIN
	names[0] := "zero"; names[1] := "one"; names[2] := "two"; names[3] := "three"; names[4] := "four";
	names[5] := "five"; names[6] := "six"; names[7] := "seven"; names[8] := "eight"; names[9] := "nine"
END BenchHe19.
