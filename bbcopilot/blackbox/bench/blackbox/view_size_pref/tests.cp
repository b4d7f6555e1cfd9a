MODULE BenchSizeViewTest;

	IMPORT Ports, Properties, Views, BenchCheck, BenchSizeView;

	CONST mm = Ports.mm;

	(* The size v answers to a SizePref preset to w, h, fixedW, fixedH. *)
	PROCEDURE Size (v: Views.View; w, h: INTEGER; fixedW, fixedH: BOOLEAN; OUT rw, rh: INTEGER);
		VAR msg: Properties.SizePref;
	BEGIN
		msg.w := w; msg.h := h; msg.fixedW := fixedW; msg.fixedH := fixedH;
		Views.HandlePropMsg(v, msg);
		rw := msg.w; rh := msg.h
	END Size;

	PROCEDURE Run*;
		VAR v: BenchSizeView.View; w, h: INTEGER; focus: Properties.FocusPref; bounds: Properties.BoundsPref;
	BEGIN
		v := BenchSizeView.New();
		Size(v, Views.undefined, Views.undefined, FALSE, FALSE, w, h);
		BenchCheck.True(1, (w = 40 * mm) & (h = 20 * mm));
		Size(v, 60 * mm, Views.undefined, TRUE, FALSE, w, h);
		BenchCheck.True(2, (w = 40 * mm) & (h = 20 * mm));
		Size(v, 60 * mm, 10 * mm, TRUE, FALSE, w, h);
		BenchCheck.True(3, (w = 60 * mm) & (h = 30 * mm));
		Size(v, 60 * mm, 10 * mm, FALSE, TRUE, w, h);
		BenchCheck.True(4, (w = 20 * mm) & (h = 10 * mm));
		Size(v, 40 * mm, 40 * mm, FALSE, FALSE, w, h);
		BenchCheck.True(5, (ABS(w - 2 * h) <= 2) & (ABS(w * 1.0 * h - 1600.0 * mm * mm) < 0.001 * 1600.0 * mm * mm));
		focus.hotFocus := FALSE; focus.setFocus := FALSE; Views.HandlePropMsg(v, focus);
		bounds.w := Views.undefined; bounds.h := Views.undefined; Views.HandlePropMsg(v, bounds);
		BenchCheck.True(6, focus.hotFocus & ~focus.setFocus & (bounds.w = Views.undefined) & (bounds.h = Views.undefined))
	END Run;

END BenchSizeViewTest.
