MODULE BenchShapesTest;

	IMPORT Math, BenchCheck, BenchShapes;

	PROCEDURE Run*;
		VAR shapes: ARRAY 4 OF BenchShapes.Shape;
	BEGIN
		BenchCheck.Real(1, BenchShapes.NewRect(2, 3).Area(), 6);
		BenchCheck.Real(2, BenchShapes.NewSquare(2).Area(), 4);
		BenchCheck.Real(3, BenchShapes.NewCircle(1).Area(), Math.Pi());
		BenchCheck.True(4, (BenchShapes.Kind(BenchShapes.NewRect(2, 3)) = 1) & (BenchShapes.Kind(BenchShapes.NewCircle(1)) = 3)
			& (BenchShapes.Kind(NIL) = 0));
		BenchCheck.Int(5, BenchShapes.Kind(BenchShapes.NewSquare(5)), 2);
		shapes[0] := BenchShapes.NewSquare(3); shapes[1] := NIL; shapes[2] := BenchShapes.NewCircle(2);
		shapes[3] := BenchShapes.NewRect(100, 100);
		BenchCheck.Real(6, BenchShapes.TotalArea(shapes, 3), 9 + 4 * Math.Pi());
		BenchCheck.Real(7, BenchShapes.TotalArea(shapes, 0), 0)
	END Run;

END BenchShapesTest.
