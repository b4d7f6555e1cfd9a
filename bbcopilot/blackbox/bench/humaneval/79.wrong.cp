MODULE BenchHe79;

	IMPORT BenchTypes;

	PROCEDURE DecimalToBinary* (decimal: INTEGER): BenchTypes.String;
		VAR bits: ARRAY 33 OF CHAR; r: BenchTypes.String; n, i: INTEGER;
	BEGIN
		n := 0;
		WHILE decimal > 0 DO
			bits[n] := CHR(ORD("0") + decimal MOD 2); INC(n);
			decimal := decimal DIV 2
		END;
		NEW(r, n + 5);
		r[0] := "d"; r[1] := "b";
		FOR i := 0 TO n - 1 DO r[2 + i] := bits[n - 1 - i] END;
		r[n + 2] := "d"; r[n + 3] := "b"; r[n + 4] := 0X;
		RETURN r
	END DecimalToBinary;

END BenchHe79.
