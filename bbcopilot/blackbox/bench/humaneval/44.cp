MODULE BenchHe44;

	IMPORT BenchTypes;

	PROCEDURE ChangeBase* (x, base: INTEGER): BenchTypes.String;
		VAR digits: ARRAY 33 OF CHAR; r: BenchTypes.String; n, i: INTEGER;
	BEGIN
		n := 0;
		REPEAT
			digits[n] := CHR(ORD("0") + x MOD base); INC(n);
			x := x DIV base
		UNTIL x = 0;
		NEW(r, n + 1);
		FOR i := 0 TO n - 1 DO r[i] := digits[n - 1 - i] END;	(* the last digit came first *)
		r[n] := 0X;
		RETURN r
	END ChangeBase;

END BenchHe44.
