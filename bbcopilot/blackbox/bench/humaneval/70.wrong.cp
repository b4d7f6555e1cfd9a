MODULE BenchHe70;

	IMPORT BenchTypes;

	PROCEDURE StrangeSortList* (IN lst: ARRAY OF INTEGER): BenchTypes.IntList;
		VAR sorted, r: BenchTypes.IntList; i, j, low, high, x: INTEGER;
	BEGIN
		NEW(sorted, LEN(lst));
		FOR i := 0 TO LEN(lst) - 1 DO	(* insertion sort *)
			x := lst[i]; j := i;
			WHILE (j > 0) & (sorted[j - 1] > x) DO sorted[j] := sorted[j - 1]; DEC(j) END;
			sorted[j] := x
		END;
		NEW(r, LEN(lst));
		low := 0; high := LEN(lst) - 1;
		FOR i := 0 TO LEN(lst) - 1 DO
			IF ~ODD(i) THEN r[i] := sorted[high]; DEC(high) ELSE r[i] := sorted[low]; INC(low) END
		END;
		RETURN r
	END StrangeSortList;

END BenchHe70.
