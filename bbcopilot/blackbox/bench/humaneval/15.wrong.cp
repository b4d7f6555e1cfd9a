MODULE BenchHe15;

	IMPORT Strings, BenchTypes;

	PROCEDURE StringSequence* (n: INTEGER): BenchTypes.String;
		VAR r: BenchTypes.String; i, j, len: INTEGER; num: ARRAY 16 OF CHAR;
	BEGIN
		len := 1;
		FOR i := 0 TO n - 1 DO Strings.IntToString(i, num); len := len + LEN(num$) + 1 END;
		NEW(r, len);
		len := 0;
		FOR i := 0 TO n - 1 DO
			IF i > 0 THEN r[len] := " "; INC(len) END;
			Strings.IntToString(i, num);
			FOR j := 0 TO LEN(num$) - 1 DO r[len] := num[j]; INC(len) END
		END;
		r[len] := 0X;
		RETURN r
	END StringSequence;

END BenchHe15.
